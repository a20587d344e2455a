/**
 * Issue 11's targets (many guests on few workers, density at scale), each
 * judged from the results that measure it. The report's Targets table and
 * the preempt, admission and density sections show the same verdicts; a
 * figure the results lack is "not measured", never guessed.
 *
 * @module
 */
import type { AdmissionResults, AdmissionRun, BurstRun } from "./admission.ts";
import type { DistinctResults } from "./_distinct.ts";
import { fmt, met } from "./_format.ts";
import type { PreemptResults } from "./preempt.ts";

/** Issue 11's thresholds. */
export const ISSUE_11 = {
  /** 1,000 concurrent 100 ms sleeps complete within 1 s on 2 workers. */
  sleepers: { invocations: 1000, maxSeconds: 1 },
  /** Echo p99 while 4 long (≥ 200 ms of CPU) invocations run. */
  besideLong: { maxEchoP99Ms: 5 },
  /** Another function's p99 while one is flooded, over its unloaded p99. */
  flood: { maxP99Ratio: 2 },
  /** An open-loop burst at 2x capacity for 5 s. */
  burst: {
    seconds: 5,
    maxAdmittedP99Ms: 20,
    maxRefusalP99Ms: 5,
    maxTimeouts: 0,
    /**
     * Throughput in the second after, as a share of the capacity the node
     * measured before the burst: "full" within what two such measurements
     * differ by on a quiet node (up to 4% between the benchmark's nodes a
     * minute apart).
     */
    minShareAfter: 0.95,
  },
  /** 10,000 distinct modules deployed. */
  distinct: {
    modules: 10_000,
    maxRssMB: 512,
    maxRestartSeconds: 10,
    maxColdP50Ms: 20,
  },
} as const;

/** A target, what was measured against it, and whether it was met. */
export interface Verdict {
  target: string;
  measured: string;
  /** Undefined when the results lack the figure. */
  ok?: boolean;
}

const NOT_MEASURED = "not in the results";

const ms = (l: { p50: number; p99: number }) =>
  `p50 ${fmt(l.p50)} / p99 ${fmt(l.p99)} ms`;

/**
 * Item 1: concurrent sleepers on a node of 2 workers (bench/preempt.ts).
 *
 * @example
 * ```ts
 * import { sleeperTargets } from "./_issue11.ts";
 * console.log(sleeperTargets(undefined)[0].ok); // undefined
 * ```
 */
export function sleeperTargets(p: PreemptResults | undefined): Verdict[] {
  const t = ISSUE_11.sleepers;
  const target = `${
    t.invocations.toLocaleString("en-US")
  } concurrent invocations of a guest sleeping 100 ms complete in ≤ ${t.maxSeconds} s on 2 workers`;
  const s = p?.sleepers.this?.sleep100ms;
  if (!s) return [{ target, measured: NOT_MEASURED }];
  const measured = `${s.invocations.toLocaleString("en-US")} in ${
    fmt(s.totalMs / 1000)
  } s over HTTP (each ${ms(s.latencyMs)})`;
  // A quick run sleeps fewer: it says nothing about a thousand.
  if (s.invocations < t.invocations) {
    return [{ target, measured: `only ${measured}` }];
  }
  return [{ target, measured, ok: s.totalMs <= t.maxSeconds * 1000 }];
}

/**
 * Rows of a table of target, measured and verdict.
 *
 * @example
 * ```ts
 * import { verdictRows } from "./_issue11.ts";
 * console.log(verdictRows([{ target: "t", measured: "m", ok: true }])); // [["t", "m", "**met**"]]
 * ```
 */
export function verdictRows(verdicts: Verdict[]): string[][] {
  return verdicts.map((v) => [v.target, v.measured, met(v.ok)]);
}

/**
 * A node's flags as the report names it.
 *
 * @example
 * ```ts
 * import { nodeLabel } from "./_issue11.ts";
 * console.log(nodeLabel({ flags: [] })); // no bound
 * ```
 */
export function nodeLabel(run: { flags: string[] }): string {
  return run.flags.length ? `\`${run.flags.join(" ")}\`` : "no bound";
}

/**
 * Items 2, 3 and 4, for each node the admission run measured
 * (bench/admission.ts).
 *
 * @example
 * ```ts
 * import { admissionTargets } from "./_issue11.ts";
 * console.log(admissionTargets(undefined).length); // 6
 * ```
 */
export function admissionTargets(a: AdmissionResults | undefined): Verdict[] {
  const runs: (AdmissionRun | undefined)[] = a?.runs ?? [undefined];
  return [
    ...runs.flatMap((run) => [
      ...besideLong(run),
      ...flood(run),
      ...burst(run),
    ]),
    // The nodes that took the burst alone, at tighter bounds.
    ...(a?.sweep ?? []).flatMap(burst),
  ];
}

const on = (run: { flags: string[] } | undefined) =>
  run ? ` (${nodeLabel(run)})` : "";

function besideLong(run: AdmissionRun | undefined): Verdict[] {
  const max = ISSUE_11.besideLong.maxEchoP99Ms;
  const target =
    `echo p99 ≤ ${max} ms while 4 long (≥ 200 ms of CPU) invocations run continuously${
      on(run)
    }`;
  const e = run?.shortBesideLong;
  if (!e) return [{ target, measured: NOT_MEASURED }];
  return [{
    target,
    measured: `${ms(e.echoMs)}, ${e.echoFailures} failed`,
    ok: e.echoMs.p99 <= max && e.echoFailures === 0,
  }];
}

function flood(run: AdmissionRun | undefined): Verdict[] {
  const max = ISSUE_11.flood.maxP99Ratio;
  const target = (clients: string) =>
    `one function flooded at 10x its \`concurrency\`${clients}: another's p99 within ${max}x its unloaded p99${
      on(run)
    }`;
  const verdict = (
    f: AdmissionRun["fairness"] | undefined,
    clients = "",
  ): Verdict => {
    if (!f) return { target: target(clients), measured: NOT_MEASURED };
    const ratio = f.echoBesideFloodMs.p99 / f.echoAloneMs.p99;
    return {
      target: target(clients),
      measured:
        `${fmt(ratio)}x: p99 ${fmt(f.echoBesideFloodMs.p99)} ms beside ` +
        `the flood, ${fmt(f.echoAloneMs.p99)} ms alone (flood: ${
          floodSetup(f)
        })`,
      ok: ratio <= max && f.echoFailuresBesideFlood === 0,
    };
  };
  const niced = run?.fairnessCappedNiced;
  return [
    verdict(run?.fairnessCapped ?? run?.fairness),
    ...(niced ? [verdict(niced, " by clients at nice 19")] : []),
  ];
}

/** How the flood was made, as the results say (older ones set no concurrency). */
function floodSetup(f: AdmissionRun["fairness"]): string {
  const { clients, concurrency } = f.flood as {
    clients?: number;
    concurrency?: number;
  };
  return concurrency === undefined
    ? "64 closed-loop clients, no `concurrency` set"
    : `${clients} closed-loop clients, \`concurrency\` ${concurrency}`;
}

function burst(run: BurstRun | undefined): Verdict[] {
  const t = ISSUE_11.burst;
  const label = `burst at 2x capacity for ${t.seconds} s${on(run)}`;
  const b = run?.burst;
  if (!b) {
    return [
      `admitted p99 ≤ ${t.maxAdmittedP99Ms} ms`,
      `refusals answered in ≤ ${t.maxRefusalP99Ms} ms p99`,
      `${t.maxTimeouts} timeouts`,
      "full throughput within 1 s after",
    ].map((what) => ({ target: `${label}: ${what}`, measured: NOT_MEASURED }));
  }
  // A quick run's burst is shorter than the target's.
  const judged = b.seconds >= t.seconds;
  const verdict = (ok: boolean) => judged ? ok : undefined;
  const timeouts = b.failures.timeout ?? 0;
  const others = Object.values(b.failures).reduce((n, c) => n + c, 0) -
    timeouts;
  return [
    {
      target: `${label}: admitted p99 ≤ ${t.maxAdmittedP99Ms} ms`,
      measured: `${b.admitted} of ${b.sent} admitted, ${
        ms(b.admittedMs)
      } (a ${b.seconds} s burst at ${b.ratePerSecond}/s)`,
      ok: verdict(b.admittedMs.p99 <= t.maxAdmittedP99Ms),
    },
    {
      target: `${label}: refusals answered in ≤ ${t.maxRefusalP99Ms} ms p99`,
      measured: b.refusalMs
        ? `${b.refused} refused, ${ms(b.refusalMs)}`
        : "none refused",
      ok: b.refusalMs
        ? verdict(b.refusalMs.p99 <= t.maxRefusalP99Ms)
        : undefined,
    },
    {
      target: `${label}: ${t.maxTimeouts} timeouts`,
      measured: `${timeouts} timed out, ${others} other failures`,
      ok: verdict(timeouts <= t.maxTimeouts),
    },
    {
      target: `${label}: full throughput within 1 s after`,
      measured: `${b.secondAfterPerSecond}/s in the second after, ${
        fmt(b.secondAfterShareOfCapacity * 100)
      }% of its capacity (full: ≥ ${fmt(t.minShareAfter * 100)}%)`,
      ok: verdict(b.secondAfterShareOfCapacity >= t.minShareAfter),
    },
  ];
}

/**
 * Item 5: distinct modules deployed on one node (bench/_distinct.ts).
 *
 * @example
 * ```ts
 * import { distinctTargets } from "./_issue11.ts";
 * console.log(distinctTargets(undefined).map((v) => v.measured)[0]); // not in the results
 * ```
 */
export function distinctTargets(x: DistinctResults | undefined): Verdict[] {
  const t = ISSUE_11.distinct;
  const label = `${
    t.modules.toLocaleString("en-US")
  } distinct modules deployed`;
  const targets = {
    rss: `${label}: RSS ≤ ${t.maxRssMB} MB`,
    restart: `${label}: restart to serving ≤ ${t.maxRestartSeconds} s`,
    cold: `${label}: cold first invocation p50 ≤ ${t.maxColdP50Ms} ms`,
  };
  if (!x) {
    return Object.values(targets).map((target) => ({
      target,
      measured: NOT_MEASURED,
    }));
  }
  // A smaller run (quick, tiny) says nothing about ten thousand.
  const judged = x.modules >= t.modules;
  const verdict = (ok: boolean) => judged ? ok : undefined;
  const of = judged ? "" : ` (only ${x.modules} modules)`;
  return [
    {
      target: targets.rss,
      measured: `${x.deploy.rssAfterMB} MB${of}`,
      ok: verdict(x.deploy.rssAfterMB <= t.maxRssMB),
    },
    {
      target: targets.restart,
      measured: `${x.restart.servingSeconds} s to a first answer${of}`,
      ok: verdict(x.restart.servingSeconds <= t.maxRestartSeconds),
    },
    {
      target: targets.cold,
      measured: `${ms(x.coldFirstInvocationMs)}${of}`,
      ok: verdict(x.coldFirstInvocationMs.p50 <= t.maxColdP50Ms),
    },
  ];
}
