/**
 * The report writer on the results the standalone scripts wrote (footprint,
 * preempt, admission) and density's: their sections and issue 11's targets
 * come out (the verdicts themselves: bench/_issue11_test.ts); and the floors
 * section's wake round trips and the start-up section's executor
 * throughput. No benchmark runs: the JSON in bench/results is the fixture.
 */
import assert from "node:assert/strict";
import type { AdmissionResults } from "../../bench/admission.ts";
import { writeReport } from "../../bench/report.ts";
import type { FloorResults } from "../../bench/floors.ts";
import type { StartupResults } from "../../bench/startup.ts";
import { tempDir } from "../_helpers/temp.ts";

const RESULTS = new URL("../../bench/results/", import.meta.url);
const NAMES = ["footprint", "preempt", "admission", "density"];

/** Whether a figure as the report prints it (3 digits) is `value`. */
function near(shown: number, value: number): boolean {
  return Math.abs(shown - value) <= Math.max(0.5, value * 0.005);
}

async function fixture<T>(name: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(new URL(`${name}.json`, RESULTS)));
}

/**
 * The report written from `results` alone, saved as `name`.json: its part
 * from `heading` to the next heading of the same level.
 */
async function reportSection(
  name: string,
  results: unknown,
  heading: string,
): Promise<string> {
  const dir = await tempDir({ prefix: "eddy-report-test-" });
  await Deno.writeTextFile(`${dir}/${name}.json`, JSON.stringify(results));
  await writeReport(dir);
  const report = await Deno.readTextFile(`${dir}/REPORT.md`);
  const start = report.indexOf(heading);
  const level = heading.slice(0, heading.indexOf(" ") + 1);
  const end = report.indexOf(`\n${level}`, start + 1);
  return report.slice(start, end < 0 ? undefined : end);
}

Deno.test("the report has a section per standalone script and issue 11's targets", async () => {
  const dir = await tempDir({ prefix: "eddy-report-test-" });
  for (const name of NAMES) {
    await Deno.copyFile(
      new URL(`${name}.json`, RESULTS),
      `${dir}/${name}.json`,
    );
  }
  await writeReport(dir);
  const report = await Deno.readTextFile(`${dir}/REPORT.md`);
  for (
    const heading of [
      "## Targets",
      "### Issue 11: many guests on few workers, density at scale",
      "## A node at rest and its start (footprint)",
      "## Guests that sleep, run away or run long (preempt, issue 11)",
      "## Admission under bursts and floods (admission, issue 11)",
    ]
  ) {
    assert.ok(report.includes(`\n${heading}\n`), heading);
  }
  // Standalone scripts record no wall time.
  for (const name of ["footprint", "preempt", "admission"]) {
    assert.match(
      report,
      new RegExp(`\\| \\[${name}\\]\\(${name}\\.json\\) \\| \\w+ \\| – \\|`),
    );
  }
  const admission = await fixture<AdmissionResults>("admission");
  // The analysis reads the admission figures: each bounded node's
  // admitted p99 is quoted with its bound.
  const analysis = report.slice(
    report.indexOf("### Admission under bursts and floods"),
  );
  assert.ok(analysis.startsWith("### Admission"), "an admission analysis");
  for (const node of [...admission.runs, ...(admission.sweep ?? [])]) {
    const at = node.flags.indexOf("--max-queue-wait");
    if (at < 0) continue;
    const bound = node.flags[at + 1];
    assert.ok(
      analysis.includes(`ms at a ${bound} bound`),
      `the ${bound} node's admitted p99`,
    );
  }
  assert.ok(analysis.includes("**Floods.**"));
  const issue11 = report.slice(report.indexOf("### Issue 11"));
  const rows = issue11.slice(0, issue11.indexOf("\n## ")).split("\n")
    .filter((line) =>
      /\| (\*\*met\*\*|\*\*missed\*\*|not measured) \|$/.test(line)
    );
  // Sleepers, 6 per admission node (7 with the flood from a niced
  // process), 4 per node that took only the burst, 3 for distinct modules.
  const niced = admission.runs.filter((x) => x.fairnessCappedNiced).length;
  assert.equal(
    rows.length,
    1 + 6 * admission.runs.length + niced +
      4 * (admission.sweep?.length ?? 0) + 3,
  );
});

Deno.test("the admission section shows the burst by bound when the results have a sweep", async () => {
  const admission = await fixture<AdmissionResults>("admission");
  const { flags: _, ...bounded } = admission.runs[1];
  const tighter = {
    flags: ["--max-queue-wait", "10ms"],
    capacityPerSecond: bounded.capacityPerSecond,
    burst: { ...bounded.burst, admitted: 1234 },
  };
  const section = (results: AdmissionResults) =>
    reportSection("admission", results, "## Admission under bursts and floods");
  const { sweep: __, ...older } = admission;
  const withSweep = await section({ ...older, sweep: [tighter] });
  const rows = withSweep.split("\n").filter((l) =>
    l.startsWith("| `--max-queue-wait 10ms` |")
  );
  assert.equal(rows.length, 1);
  assert.match(rows[0], new RegExp(`\\| 1234 of ${bounded.burst.sent}: `));
  // The loosest first: no bound, the full run's bound, then the sweep.
  const order = ["| no bound |", "| `--max-queue-wait 20ms` |", rows[0]].map(
    (row) => withSweep.lastIndexOf(row),
  );
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
  assert.ok(!(await section(older)).includes("The same burst by"));
});

Deno.test("the floors section shows the wake round trips when the results have them", async () => {
  const floors = await fixture<{ results: FloorResults }>("floors");
  const wakes = floors.results.wakes;
  assert.ok(wakes, "the committed floors results have the wake floors");
  const section = (results: FloorResults) =>
    reportSection("floors", { ...floors, results }, "## 4. Floors");
  const { wakes: _, ...older } = floors.results;
  const shown = await section({ ...older, wakes });
  for (
    const [row, m] of [[" (the executor ring's hand-off) |", wakes.ring], [
      "`Atomics.notify` |",
      wakes.notify,
    ], ["| postMessage |", wakes.message]] as const
  ) {
    const line = shown.split("\n").find((l) => l.includes(row));
    assert.ok(line, row);
    const [, p50, p99] =
      line.match(/\| p50 ([\d.]+) µs \(p99 ([\d.]+)\) \|$/) ??
        [];
    assert.ok(near(Number(p50), m.p50) && near(Number(p99), m.p99), line);
  }
  assert.ok(!(await section(older)).includes("Waking an idle worker"));
});

Deno.test("the start-up section quotes the executors' throughput when the results have it", async () => {
  const startup = await fixture<{ results: StartupResults }>("startup");
  const x = startup.results.executors ??
    { workers: 2, inFlight: 64, jobsPerS: 17019, cpuUsPerJob: 98.4, jobs: 1 };
  const section = (results: StartupResults) =>
    reportSection(
      "startup",
      { ...startup, results },
      "### New-instance start-up",
    );
  const [, perS, cpu] = (await section({ ...startup.results, executors: x }))
    .match(
      /completed (\d+) jobs\/s, at ([\d.]+) µs/,
    ) ?? [];
  assert.equal(Number(perS), x.jobsPerS);
  assert.ok(near(Number(cpu), x.cpuUsPerJob), `${cpu} µs`);
  const { executors: _, ...older } = startup.results;
  assert.ok(!(await section(older)).includes("through the executors"));
});
