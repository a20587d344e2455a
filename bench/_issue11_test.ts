/**
 * Issue 11's verdicts: "not measured" where the results lack the figure or
 * measured less than the target asks, met or missed by the figures
 * otherwise. The JSON in bench/results is the fixture, altered.
 */
import assert from "node:assert/strict";
import type { AdmissionResults } from "./admission.ts";
import type { DensityResults } from "./density.ts";
import type { PreemptResults } from "./preempt.ts";
import {
  admissionTargets,
  distinctTargets,
  sleeperTargets,
} from "./_issue11.ts";

async function fixture<T>(name: string): Promise<T> {
  return JSON.parse(
    await Deno.readTextFile(new URL(`results/${name}.json`, import.meta.url)),
  );
}

Deno.test("issue 11's verdicts: not measured without the figure or at a smaller scale", async () => {
  for (
    const verdicts of [
      sleeperTargets(undefined),
      admissionTargets(undefined),
      distinctTargets(undefined),
    ]
  ) {
    assert.ok(verdicts.every((v) => v.ok === undefined), verdicts[0].target);
  }
  const preempt = await fixture<PreemptResults>("preempt");
  preempt.sleepers.this!.sleep100ms.invocations = 300;
  const [sleep] = sleeperTargets(preempt);
  assert.equal(sleep.ok, undefined);
  assert.match(sleep.measured, /^only 300 /);

  const { distinct } =
    (await fixture<{ results: DensityResults }>("density")).results;
  assert.ok(
    distinctTargets({ ...distinct, modules: 10 }).every((v) =>
      v.ok === undefined
    ),
  );
  assert.ok(
    distinctTargets({ ...distinct, modules: 10_000 }).every((v) =>
      v.ok !== undefined
    ),
  );
});

Deno.test("issue 11's burst verdicts follow the figures", async () => {
  const admission = await fixture<AdmissionResults>("admission");
  const [run] = admission.runs;
  run.burst = {
    ...run.burst,
    seconds: 5,
    admittedMs: { p50: 5, p99: 19 },
    refused: 0,
    refusalMs: null,
    failures: { timeout: 2 },
    secondAfterShareOfCapacity: 0.9,
  };
  const of = (what: string) =>
    admissionTargets({ ...admission, runs: [run] })
      .find((v) => v.target.includes(what))!.ok;
  assert.equal(of("admitted p99"), true);
  assert.equal(of("refusals"), undefined);
  assert.equal(of("timeouts"), false);
  assert.equal(of("full throughput"), false);
  // A shorter burst than the target's (a quick run) is not judged.
  run.burst.seconds = 2;
  assert.equal(of("admitted p99"), undefined);
});

Deno.test("issue 11's burst verdicts cover the nodes that took only the burst", async () => {
  const admission = await fixture<AdmissionResults>("admission");
  const bounded = admission.runs[1];
  const tighter = {
    flags: ["--max-queue-wait", "10ms"],
    capacityPerSecond: bounded.capacityPerSecond,
    burst: { ...bounded.burst, seconds: 5, admittedMs: { p50: 9, p99: 18 } },
  };
  const verdicts = admissionTargets({ ...admission, sweep: [tighter] });
  const ours = verdicts.filter((v) =>
    v.target.includes("(`--max-queue-wait 10ms`)")
  );
  assert.equal(ours.length, 4);
  assert.equal(ours.find((v) => v.target.includes("admitted p99"))!.ok, true);
  const { sweep: _, ...older } = admission;
  assert.equal(
    admissionTargets(older).length,
    verdicts.length - 4,
  );
});
