/**
 * The report's sections on scheduling (issue 11): guests that sleep, run
 * away or run long (bench/preempt.ts), and admission under bursts and
 * floods (bench/admission.ts), each with issue 11's targets it measures.
 *
 * @module
 */
import type { AdmissionRun, BurstRun } from "./admission.ts";
import { fmt, table } from "./_format.ts";
import {
  admissionTargets,
  nodeLabel,
  sleeperTargets,
  type Verdict,
  verdictRows,
} from "./_issue11.ts";
import type { Results } from "./_results.ts";

/** A section's end: issue 11's targets it measures, then its notes. */
function targetsAndNotes(verdicts: Verdict[], notes: string[]): string[] {
  return [
    table(["issue 11 target", "measured", ""], verdictRows(verdicts)),
    "",
    ...notes.map((n) => `- ${n}`),
    "",
  ];
}

const pair = (l: { p50: number; p99: number }) =>
  `${fmt(l.p50)} / ${fmt(l.p99)}`;

const withFailed = (l: { p50: number; p99: number }, failed: number) =>
  `${pair(l)} (${failed})`;

/** The echo beside a flood, alone between the flood's rounds, failures. */
const besideAlone = (f: AdmissionRun["fairness"]) =>
  `${pair(f.echoBesideFloodMs)} (alone ${
    pair(f.echoAloneMs)
  }; ${f.echoFailuresBesideFlood} failed)`;

/**
 * The report's preempt section, or nothing without its results.
 *
 * @example
 * ```ts
 * import { preemptSection } from "./_scheduling_sections.ts";
 * console.log(preemptSection({}) === ""); // true
 * ```
 */
export function preemptSection(r: Results): string {
  const p = r.preempt?.results;
  if (!p) return "";
  const trees = (["this", "baseline"] as const).filter((t) => p.sleepers[t]);
  const of = (t: string) => t === "this" ? "" : ` (${t} tree)`;
  const concurrent = (
    label: string,
    c: {
      invocations: number;
      totalMs: number;
      latencyMs: { p50: number; p99: number };
    },
  ) => [
    label,
    String(c.invocations),
    fmt(c.totalMs / 1000),
    fmt(c.latencyMs.p50),
    fmt(c.latencyMs.p99),
  ];
  return [
    "## Guests that sleep, run away or run long (preempt, issue 11)",
    "",
    "Concurrent invocations of a guest that sleeps 100 ms in `poll_oneoff`, " +
    "on a node with 2 workers: total time and each one's latency; beside " +
    "them as many concurrent echoes on the same node (the HTTP floor of " +
    "that many requests at once, after a first round of echoes that takes " +
    "the server's warm-up), and the same sleeps through an `ExecutorPool` " +
    "of 2 workers in process (no HTTP). Then a spinning guest with a 200 ms " +
    "timeout on each worker at once, round after round, with an echo right " +
    "after; the CPU time of CPU-heavy guests compiled with and without " +
    "interrupt checks; an echo run through `WebAssembly.promising` against " +
    `a plain call. Load average ${p.loadAverage.before} before, ` +
    `${p.loadAverage.after} after.`,
    "",
    table(["", "invocations", "total s", "p50 ms", "p99 ms"], [
      ...trees.flatMap((t) => {
        const s = p.sleepers[t]!;
        return [
          concurrent(
            `sleep 100 ms over HTTP${
              of(t)
            } (peak queued ${s.sleep100ms.peakQueued})`,
            s.sleep100ms,
          ),
          concurrent(`echo over HTTP, floor${of(t)}`, s.echoFloor),
          concurrent(
            `echo over HTTP, first round (warm-up)${of(t)}`,
            s.firstRoundOfEchoes,
          ),
        ];
      }),
      concurrent("sleep 100 ms in process, no HTTP", p.sleepers.inProcess),
    ]),
    "",
    "A runaway stopped at its deadline (ms):",
    "",
    table(
      [
        "",
        "runaways",
        "deadline to 504, p50 / p99",
        "echo right after, p50 / p99",
        "worker restarts",
      ],
      trees.flatMap((t) => {
        const d = p.deadline[t];
        return d
          ? [[
            `spin, timeout 200 ms${of(t)}`,
            String(d.runaways),
            pair(d.deadlineToAnswerMs),
            pair(d.echoRightAfterMs),
            String(d.workerRestarts),
          ]]
          : [];
      }),
    ),
    "",
    "Interrupt checks, CPU time of one run (ms):",
    "",
    table(
      [
        "guest",
        "without, min / p50",
        "with, min / p50",
        "ratio of mins",
        "ratio of medians",
        "code bytes added",
      ],
      Object.entries(p.interruptChecks).map(([guest, c]) => [
        guest,
        `${fmt(c.withoutMs.min)} / ${fmt(c.withoutMs.p50)}`,
        `${fmt(c.withMs.min)} / ${fmt(c.withMs.p50)}`,
        fmt(c.ratioOfMins),
        fmt(c.ratioOfMedians),
        String(c.codeBytesAdded),
      ]),
    ),
    "",
    `JSPI, an echo of 1 KB (${p.jspi.runs} runs each, µs):`,
    "",
    table(["", "p50", "p99"], [
      ["plain call", fmt(p.jspi.plainUs.p50), fmt(p.jspi.plainUs.p99)],
      [
        "through `WebAssembly.promising`",
        fmt(p.jspi.promisingUs.p50),
        fmt(p.jspi.promisingUs.p99),
      ],
    ]),
    "",
    ...targetsAndNotes(sleeperTargets(p), p.notes),
  ].join("\n");
}

/**
 * The report's admission section, or nothing without its results.
 *
 * @example
 * ```ts
 * import { admissionSection } from "./_scheduling_sections.ts";
 * console.log(admissionSection({}) === ""); // true
 * ```
 */
export function admissionSection(r: Results): string {
  const a = r.admission?.results;
  if (!a) return "";
  const runs: [string, AdmissionRun][] = a.runs.map((run) => [
    nodeLabel(run),
    run,
  ]);
  if (a.baseline) {
    runs.push([`baseline tree, ${nodeLabel(a.baseline)}`, a.baseline]);
  }
  const row = (label: string, cell: (run: AdmissionRun) => string) => [
    label,
    ...runs.map(([, run]) => cell(run)),
  ];
  return [
    "## Admission under bursts and floods (admission, issue 11)",
    "",
    `The work: ${a.guest}. Capacity: invocations ` +
    "completed per second by 4 closed-loop clients. Burst: an open loop at " +
    "2x that rate, on a node without `--max-queue-wait` (only each " +
    "invocation's timeout bounds its wait) and on one with it; then 4 " +
    "closed-loop clients for the second right after. Fairness: one " +
    "closed-loop echo client alone, then while another function (the same " +
    "guest) is flooded on the same node (how: in the targets below). " +
    "Short beside " +
    "long: the echo client while 4 closed-loop clients keep long guests " +
    "(primes to 3,000,000, ~350 ms of CPU) running. Latencies are " +
    "client-side (ms, p50 / p99), timed as the notes say. Load average " +
    `${a.loadAverage.before} ` +
    `before, ${a.loadAverage.after} after.`,
    "",
    table(["", ...runs.map(([label]) => label)], [
      row("capacity, invocations/s", (x) => fmt(x.capacityPerSecond)),
      row(
        "burst: offered rate, sent",
        (x) =>
          `${
            fmt(x.burst.ratePerSecond)
          }/s for ${x.burst.seconds} s, ${x.burst.sent}`,
      ),
      row(
        "admitted (200)",
        (x) => `${x.burst.admitted}: ${pair(x.burst.admittedMs)}`,
      ),
      row(
        "refused (503 overloaded)",
        (x) =>
          x.burst.refusalMs
            ? `${x.burst.refused}: ${pair(x.burst.refusalMs)}`
            : String(x.burst.refused),
      ),
      row("other failures, by reason", (x) => failures(x.burst.failures)),
      row(
        "the second after: invocations/s (of capacity)",
        (x) =>
          `${fmt(x.burst.secondAfterPerSecond)} (${
            fmt(x.burst.secondAfterShareOfCapacity * 100)
          }%)`,
      ),
      row(
        "echo alone, before the floods",
        (x) => pair(x.echoQuietMs ?? x.fairness.echoAloneMs),
      ),
      row("echo beside the flood", (x) => besideAlone(x.fairness)),
      row(
        "the flood: admitted / refused",
        (x) => `${x.fairness.flood.admitted} / ${x.fairness.flood.refused}`,
      ),
      row(
        "echo beside a flood at 10x its concurrency",
        (x) =>
          x.fairnessCapped ? besideAlone(x.fairnessCapped) : "not measured",
      ),
      row(
        "that flood: admitted / refused",
        (x) =>
          x.fairnessCapped
            ? `${x.fairnessCapped.flood.admitted} / ${x.fairnessCapped.flood.refused}`
            : "not measured",
      ),
      row(
        "echo beside that flood from a process at nice 19",
        (x) =>
          x.fairnessCappedNiced
            ? besideAlone(x.fairnessCappedNiced)
            : "not measured",
      ),
      row(
        "echo beside 4 long guests (failed)",
        (x) =>
          withFailed(x.shortBesideLong.echoMs, x.shortBesideLong.echoFailures),
      ),
    ]),
    "",
    ...boundSweep(a.runs, a.sweep),
    ...targetsAndNotes(admissionTargets(a), a.notes),
  ].join("\n");
}

/**
 * The burst by bound: the two full runs' and the sweep's nodes, loosest
 * first (nothing without a sweep, as in older results).
 */
function boundSweep(
  runs: AdmissionRun[],
  sweep: BurstRun[] | undefined,
): string[] {
  if (!sweep?.length) return [];
  const nodes: BurstRun[] = [...runs, ...sweep];
  return [
    "The same burst by `--max-queue-wait` (the tighter bounds on nodes " +
    "that took only the burst): the bound sets how long the admitted wait; " +
    "one shorter than the wait the steady load itself needs (4 clients on " +
    "2 workers) also refuses part of that load (the second after).",
    "",
    table(
      [
        "node",
        "admitted: p50 / p99",
        "refused: p50 / p99",
        "other failures",
        "the second after (of capacity)",
      ],
      nodes.map((x) => [
        nodeLabel(x),
        `${x.burst.admitted} of ${x.burst.sent}: ${pair(x.burst.admittedMs)}`,
        x.burst.refusalMs
          ? `${x.burst.refused}: ${pair(x.burst.refusalMs)}`
          : String(x.burst.refused),
        failures(x.burst.failures),
        `${fmt(x.burst.secondAfterPerSecond)}/s (${
          fmt(x.burst.secondAfterShareOfCapacity * 100)
        }%)`,
      ]),
    ),
    "",
  ];
}

function failures(byReason: Record<string, number>): string {
  const entries = Object.entries(byReason);
  return entries.length
    ? entries.map(([reason, n]) => `${reason} ${n}`).join(", ")
    : "0";
}
