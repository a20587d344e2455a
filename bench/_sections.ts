/**
 * The report's sections, one per experiment and the targets, as Markdown.
 * `img` links a plot when the run made it.
 *
 * @module
 */
import type { System } from "./exchange.ts";
import type { FloorResults } from "./floors.ts";
import { fmt, lowerOrHigher, met, SYSTEM_LABEL, table } from "./_format.ts";
import type { DistinctResults } from "./_distinct.ts";
import { footprintTargets } from "./_footprint_section.ts";
import {
  admissionTargets,
  distinctTargets,
  ISSUE_11,
  sleeperTargets,
  verdictRows,
} from "./_issue11.ts";
import type { Results } from "./_results.ts";
import { SERVING_TARGETS, type SideBySide } from "./serving.ts";

/** Links a plot by file name, or nothing when the run made no such plot. */
export type ImageLink = (file: string, alt: string) => string;

/** The report's targets section. */
export function targetsSection(r: Results): string {
  const rows: string[][] = [];
  const x = r.exchange?.results;
  if (x?.targets) {
    const t = x.targets;
    const mem = x.rows.memory["1MB"], redis = x.rows.redis["1MB"];
    rows.push(
      [
        "exchange, memory mode at 1 MB: throughput ≥ 40x the Redis baseline",
        `${t.memory1MBThroughputVsRedis.value}x (${mem.throughput.chainsPerS} vs ${redis.throughput.chainsPerS} chains/s)`,
        met(t.memory1MBThroughputVsRedis.met),
      ],
      [
        "exchange, memory mode at 1 MB: throughput ≥ 10x the Redis baseline (issue 9)",
        `${t.memory1MBThroughputVsRedis.value}x`,
        met(t.memory1MBThroughputVsRedis.value >= 10),
      ],
      [
        "exchange, memory mode at 1 MB: latency ≥ 97% lower than Redis",
        `${
          lowerOrHigher(t.memory1MBLatencyReductionPct.value)
        } (p50 ${mem.latencyMs.p50} vs ${redis.latencyMs.p50} ms)`,
        met(t.memory1MBLatencyReductionPct.met),
      ],
      [
        "exchange, unix mode at 1 MB: throughput ≥ 3x the Redis baseline",
        `${t.unix1MBThroughputVsRedis.value}x (${
          x.rows.unix["1MB"].throughput.chainsPerS
        } vs ${redis.throughput.chainsPerS} chains/s)`,
        met(t.unix1MBThroughputVsRedis.met),
      ],
    );
  }
  const local = r.state?.results.sections.localRead;
  if (local) {
    rows.push([
      "state: one local read adds ≤ 50 µs p50 to an invocation",
      `${fmt(local.addedP50.fileRead)} µs as a file, ${
        fmt(local.addedP50.kvGet)
      } µs with kv_get`,
      met(local.target.met),
    ]);
  }
  const w = r.workflows?.results;
  if (w) {
    const worst = Math.max(...w.targets.p99RatioAtEachRate.map((p) => p.ratio));
    rows.push(
      [
        "workflows: data-flow p99 ≤ 60% of control-flow's at each rate",
        w.targets.p99RatioAtEachRate.map((p) =>
          `${p.rate}/s: ${Math.round(p.ratio * 100)}%`
        ).join(", "),
        met(worst <= w.targets.p99MaxRatio),
      ],
      [
        "workflows: data-flow peak throughput ≥ 2x control-flow's",
        `${w.targets.peakThroughputRatio.value}x (${w.peak.dataflow.perSecond} vs ${w.peak.controlflow.perSecond}/s)`,
        met(w.targets.peakThroughputRatio.met),
      ],
    );
  }
  const s = r.startup?.results;
  if (s) {
    rows.push([
      `new-instance start-up p50 ≤ ${s.target.maxP50} µs`,
      `${s.invokeEcho1KB.p50} µs (p99 ${s.invokeEcho1KB.p99} µs)`,
      met(s.target.met),
    ]);
  }
  const v = r.serving?.results.sideBySide;
  if (v) {
    const eddy = v.rows.eddy!;
    const t = SERVING_TARGETS;
    const floor = v.eddyRatio["Deno.serve echo"]!;
    rows.push(
      [
        `HTTP echo 1 KB at ${v.connections} connections ≥ ${t.minVsDenoServe}x a bare Deno.serve POST echo`,
        `${fmt(floor)}x (${eddy.requestsPerSecond} vs ${
          v.rows["Deno.serve echo"]!.requestsPerSecond
        } req/s)`,
        met(floor >= t.minVsDenoServe),
      ],
      [
        `RSS of the node under the 1 KB echo load ≤ ${t.maxRssMB} MB`,
        `${fmt(eddy.rssMB)} MB`,
        met(eddy.rssMB <= t.maxRssMB),
      ],
    );
    const reused = v.eddyRatio["workerd reused"];
    if (reused !== undefined) {
      rows.push([
        `HTTP echo 1 KB ≥ ${t.minVsWorkerdReused}x workerd reusing one instance (eddy: each invocation from a new instance's state)`,
        `${fmt(reused)}x (${eddy.requestsPerSecond} vs ${
          v.rows["workerd reused"]!.requestsPerSecond
        } req/s)`,
        met(reused >= t.minVsWorkerdReused),
      ]);
    }
  }
  rows.push(...verdictRows(footprintTargets(r.footprint?.results)));
  return [
    "## Targets",
    "",
    "Reported, not asserted: see [Analysis](#analysis) for why a missed one is missed.",
    "",
    table(["target", "measured", ""], rows),
    "",
    "### Issue 11: many guests on few workers, density at scale",
    "",
    "From [preempt](#guests-that-sleep-run-away-or-run-long-preempt-issue-11), " +
    "[admission](#admission-under-bursts-and-floods-admission-issue-11) and " +
    "[density](#density-rss-vmrss-of-the-node-workers-included); a figure " +
    "the results lack, or measured at a smaller scale than the target's, " +
    "is not measured.",
    "",
    table(
      ["target", "measured", ""],
      verdictRows([
        ...sleeperTargets(r.preempt?.results),
        ...admissionTargets(r.admission?.results),
        ...distinctTargets(r.density?.results.distinct),
      ]),
    ),
    "",
  ].join("\n");
}

/** The report's exchange section. */
export function exchangeSection(
  r: Results,
  img: ImageLink,
): string {
  const x = r.exchange?.results;
  if (!x) return "";
  const systems = Object.keys(SYSTEM_LABEL) as System[];
  const perSize = (cell: (s: System, l: string) => string) =>
    x.sizes.map((l) => [l, ...systems.map((s) => cell(s, l))]);
  const head = ["payload", ...systems.map((s) => SYSTEM_LABEL[s])];
  return [
    "## 1. Inter-function data exchange (CWASI)",
    "",
    "A producer (`gen`, writes N bytes) chained to a consumer (`sink`, " +
    "counts them), both tiny WAT guests (bench/_guests.ts) so that moving " +
    "the N bytes dominates. Systems:",
    "",
    ...systems.map((s) => `- **${SYSTEM_LABEL[s]}**: ${x.systems[s]}.`),
    "",
    "Every eddy run's `x-eddy-trace` is checked: the producer→consumer edge " +
    "went by the intended mode and carried N bytes. Latency: one chain at a " +
    "time, the systems in turn. Throughput: a closed loop with 4 chains in " +
    "flight (2 from 16 MB, 1 at 256 MB), in 3 rounds of 2 s per system " +
    "(full scale) with the systems taking turns in alternating order: one " +
    "5 s loop per system had the Redis baseline at 1 MB move between " +
    "120 and 250 chains/s from run to run.",
    "",
    "### End-to-end latency, ms (p50 / p99)",
    "",
    table(
      head,
      perSize((s, l) => {
        const c = x.rows[s][l];
        return c ? `${fmt(c.latencyMs.p50)} / ${fmt(c.latencyMs.p99)}` : "–";
      }),
    ),
    "",
    img("exchange_latency_p50.svg", "latency p50 against payload"),
    img("exchange_latency_p99.svg", "latency p99 against payload"),
    "### Throughput: chains/s (MB/s)",
    "",
    table(
      head,
      perSize((s, l) => {
        const t = x.rows[s][l]?.throughput;
        return t ? `${fmt(t.chainsPerS)} (${fmt(t.mbPerS)})` : "–";
      }),
    ),
    "",
    img("exchange_throughput.svg", "throughput against payload"),
    "### Edge transfer time, ms (p50 / p99)",
    "",
    "eddy: the producer→consumer edge's `transferMs` from the trace (memory: " +
    "the hand-over of the producer's buffer, a copy only when it feeds " +
    "several consumers; unix, http2: the push until the consumer's node " +
    "acknowledged). Redis: the orchestrator's SET plus GET. The HTTP/1.1 " +
    "baseline has no separate edge: the payload rides the two invocations.",
    "",
    table(
      ["payload", "memory", "unix", "http2", "Redis SET+GET"],
      x.sizes.map((l) => [
        l,
        ...(["memory", "unix", "http2", "redis"] as const).map((s) => {
          const t = x.rows[s][l]?.transferMs;
          return t ? `${fmt(t.p50)} / ${fmt(t.p99)}` : "–";
        }),
      ]),
    ),
    "",
    img("exchange_transfer.svg", "edge transfer time against payload"),
    "### Ratio to the Redis baseline (p50 latency ratio, % lower latency, throughput ratio)",
    "",
    table(
      [
        "payload",
        ...systems.filter((s) => s !== "redis").map((s) => SYSTEM_LABEL[s]),
      ],
      x.sizes.map((l) => [
        l,
        ...systems.filter((s) => s !== "redis").map((s) => {
          const q = x.ratiosToRedis[s][l];
          return q
            ? `${fmt(q.latencyP50)}x, ${fmt(q.latencyReductionPct)}%, ${
              fmt(q.throughput)
            }x`
            : "–";
        }),
      ]),
    ),
    "",
  ].join("\n");
}

/** The report's sledge section. */
export function sledgeSection(
  r: Results,
  img: ImageLink,
): string {
  const parts = ["## 2. Sandbox start-up, serving and density (Sledge)", ""];
  const s = r.startup?.results;
  if (s) {
    // Results written before the peers were measured have no wasmtime.
    const w = s.wasmtime ?? { missing: "not in these results" };
    parts.push(
      "### New-instance start-up (in process, µs)",
      "",
      "What an executor worker does per invocation of a module it cannot " +
        "reset (and did for every module before warm instances, see " +
        "runtime/module/reset.ts): a fresh instance of the " +
        "echo example compiled with its memory imported, a recycled memory, " +
        "`runGuestSync` with 1 KB of stdin (instantiate, `_start`, stdout). " +
        "Floors: a bare `new WebAssembly.Instance`. A fresh wasm memory " +
        "costs 130–200 µs on these VMs (page-table work in a " +
        "paravirtualised VM, then first-touch page faults), which is why " +
        "eddy recycles memories (MemoryPool, zeroed on release); echo's " +
        "memory is small (3 pages), so here the cost shows mostly in the " +
        "fresh-memory floor's p99. Each kind runs 500 times in a row, in " +
        "turns: a worker starts invocation after invocation, and a " +
        "fresh-memory floor between two of eddy's would evict the caches " +
        "eddy finds warm in a worker (eddy's p50 measured that way was " +
        "~13 µs, against ~7 µs in a row).",
      "",
      table(["", "p50", "p99", "n", "eddy p50 ÷ this p50"], [
        ["eddy: instantiate + run echo 1 KB", ...triple(s.invokeEcho1KB), ""],
        ...(s.warmEcho1KB
          ? [[
            "eddy: run echo 1 KB in a warm instance (put back after, untimed)",
            ...triple(s.warmEcho1KB),
            "",
          ]]
          : []),
        [
          "floor: bare Instance, fresh memory",
          ...triple(s.floorInstanceFreshMemory),
          "",
        ],
        [
          "floor: bare Instance, recycled memory",
          ...triple(s.floorInstanceRecycledMemory),
          "",
        ],
        ...("missing" in w ? [] : [
          [
            `wasmtime ${w.version}: WASI preview1, pooling allocator`,
            ...triple(w.wasiPooling),
            `${fmt(w.eddyRatio.wasiPooling)}x`,
          ],
          [
            `wasmtime ${w.version}: minimal host functions, pooling allocator`,
            ...triple(w.minimalHostPooling),
            `${fmt(w.eddyRatio.minimalHostPooling)}x`,
          ],
        ]),
      ]),
      "",
      "missing" in w
        ? `wasmtime was not measured: ${w.missing}.`
        : "wasmtime right after eddy in the same run, without a binding's " +
          "overhead: bench/_wasmtime_echo.c against the pip package's " +
          "libwasmtime.so, module compiled once, per call a new store, " +
          "instantiate and `_start` of the same echo.wasm with 1 KB " +
          "(store teardown not timed, as eddy's memory release is not); " +
          "with wasmtime's own WASI, and with host functions of ours for " +
          "echo's five imports.",
      "",
    );
    // Results written before the executors' throughput was measured lack it.
    const x = s.executors;
    if (x) {
      parts.push(
        "The same echo through the executors, without HTTP: an " +
          `\`ExecutorPool\` of ${x.workers} workers kept busy by ` +
          `${x.inFlight} jobs of 1 KB in flight (the module prepared and ` +
          "the spec frozen as a node's, so each job travels in the ring) " +
          `completed ${x.jobsPerS} jobs/s, at ${fmt(x.cpuUsPerJob)} µs of ` +
          "the process's CPU per job (its threads all together): the " +
          "ceiling of the invocation path below HTTP on this machine.",
        "",
      );
    }
    // Results written before the whole node's start was measured lack it.
    const p = s.process;
    if (p) {
      parts.push(
        "### A node's start to its first invocation (ms; target p50 ≤ 300)",
        "",
        table(["", "p50", "p99", "n"], [
          ["eddy from source (`cli.ts serve`)", ...triple(p.fromSource)],
          ["eddy bundled (`deno task bundle`)", ...triple(p.bundled)],
          [
            "floor: Deno.serve starting two workers, answering through one",
            ...triple(p.floorDenoServeTwoWorkers),
          ],
        ]),
        "",
        "Spawn `serve` on a data directory holding echo, poll " +
          "`POST /invoke/echo` every 2 ms until it answers (one uncounted " +
          "start first fills Deno's caches). The node serves invocations " +
          "from plain Hono and loads the management API, the OpenAPI " +
          "document, the console, YAML and the NATS client only when first " +
          "needed.",
        "",
      );
    }
  }
  const v = r.serving?.results;
  if (v) {
    parts.push(
      `### Serving echo 1 KB over HTTP (${v.tool}, ${v.secondsPerStep} s per step)`,
      "",
      table(
        ["connections", "req/s", "p50 ms", "p99 ms", "errors"],
        v.steps.map((p) => [
          String(p.connections),
          String(p.requestsPerSecond),
          fmt(p.latencyP50Ms),
          fmt(p.latencyP99Ms),
          String(p.errors),
        ]),
      ),
      "",
      `Peak ${v.peakRequestsPerSecond} req/s; the fewest connections that ` +
        `reach 90% of it: ${v.saturatesAtConnections}. Past that point more ` +
        "connections add queueing latency, not throughput." +
        (v.rssAfterRampMB === undefined
          ? ""
          : ` The ramp's node: RSS ${
            fmt(v.rssAfterRampMB)
          } MB after its last step.`),
      "",
      img("serving_throughput.svg", "throughput against connections"),
      img("serving_latency.svg", "latency against connections"),
    );
    if (v.sideBySide) parts.push(...sideBySide(v.sideBySide, v.tool));
  }
  const d = r.density?.results;
  if (d) {
    parts.push(
      "### Density (RSS, `VmRSS` of the node, workers included)",
      "",
      table(["", "figure"], [
        [
          `per deployed function (${d.deployed.functions} names of one module, one manifest)`,
          `${d.deployed.perFunctionKB} KB (${d.deployed.rssBeforeMB} → ${d.deployed.rssAfterMB} MB)`,
        ],
        [
          "… after invoking each once",
          `${d.deployed.perFunctionInvokedKB} KB (→ ${d.deployed.rssAfterInvokingEachMB} MB)`,
        ],
        [
          `per in-flight invocation (${d.inFlight.instances} parked at once)`,
          `${d.inFlight.perInstanceKB} KB (${d.inFlight.rssBeforeMB} → ${d.inFlight.rssInFlightMB} MB)`,
        ],
        [
          "floor: a bare live instance with its memory (park / echo)",
          `${d.floorLiveInstanceKB.park} / ${d.floorLiveInstanceKB.echo} KB`,
        ],
      ]),
      "",
      ...(d.distinct ? distinctSection(d.distinct) : []),
      ...d.notes.map((n) => `- ${n}`),
      "",
    );
  }
  return parts.join("\n");
}

const PEER_NOTES: Record<string, string> = {
  "eddy":
    "a node, `POST /invoke/echo`: each invocation from a new instance's state (its worker's instance put back, runtime/module/reset.ts)",
  "Deno.serve echo": "a bare `Deno.serve` answering the body (the floor)",
  "Deno.serve echo via a worker":
    "the same through one worker postMessage round trip",
  "Deno.serve echo via a ring":
    "the same through a worker's ring in shared memory, the hop eddy makes (bench/_ring_hop.ts)",
  "workerd fresh": "a new instance with a fresh memory per request",
  "workerd recycled":
    "a new instance per request given a recycled memory, zeroed after use",
  "workerd reused": "one instance for every request (no isolation)",
};

function sideBySide(
  x: SideBySide,
  tool: string,
): string[] {
  const names = Object.keys(x.rows) as (keyof SideBySide["rows"])[];
  return [
    `### Side by side at ${x.connections} connections (${tool}, ${x.seconds} s each, in turn)`,
    "",
    "The same 1 KB echo; workerd runs examples/echo/echo.wasm through a " +
    "minimal WASI shim in an ES-module worker (bench/_workerd_echo.js). " +
    `The servers take turns for ${x.rounds ?? 1} round(s) in alternating ` +
    "order: req/s and p50 are the rounds' mean, p99 the worst round's. RSS " +
    "is the server process' highest right after one of its loads (one " +
    "process serves both Deno.serve rows, and one all workerd rows). eddy " +
    "here is a node of its own, started as the others are, not the ramp's.",
    "",
    table(
      [
        "server",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "RSS MB",
        "eddy ÷ this",
      ],
      names.map((n) => {
        const row = x.rows[n]!;
        const ratio = x.eddyRatio[n];
        return [
          `**${n}**: ${PEER_NOTES[n] ?? ""}`,
          String(row.requestsPerSecond),
          fmt(row.latencyP50Ms),
          fmt(row.latencyP99Ms),
          String(row.errors),
          fmt(row.rssMB),
          ratio === undefined ? "" : `${fmt(ratio)}x`,
        ];
      }),
    ),
    "",
    "missing" in x.workerd
      ? `workerd was not measured: ${x.workerd.missing}.`
      : `workerd ${x.workerd.version} (npm \`workerd\`), one process on loopback.`,
    "",
  ];
}

function triple(x: { p50: number; p99: number; n: number }): string[] {
  return [fmt(x.p50), fmt(x.p99), String(x.n)];
}

/** The report's workflows section. */
export function workflowsSection(
  r: Results,
  img: ImageLink,
): string {
  const w = r.workflows?.results;
  if (!w) return "";
  return [
    "## 3. Workflows: data flow against control flow (DataFlower)",
    "",
    `A → {B, C} → D (uppercase → {sha256, wordcount} → echo of both), ` +
    `${w.inputBytes / 1024} KB of text in, open loop at fixed arrival rates ` +
    `for ${w.secondsPerRate} s each (latency from each request's due time; at ` +
    "most 512 in flight, 10 s to drain).",
    "",
    `- **dataflow**: ${w.systems.dataflow}.`,
    `- **controlflow**: ${w.systems.controlflow}.`,
    "",
    table(
      [
        "rate/s",
        "dataflow p50 / p99 ms",
        "controlflow p50 / p99 ms",
        "p99 ratio",
        "achieved/s (df / cf)",
        "dropped or timed out (df / cf)",
      ],
      w.rates.dataflow.map((d, i) => {
        const c = w.rates.controlflow[i];
        return [
          String(d.rate),
          `${fmt(d.latencyP50Ms)} / ${fmt(d.latencyP99Ms)}`,
          `${fmt(c.latencyP50Ms)} / ${fmt(c.latencyP99Ms)}`,
          fmt(w.targets.p99RatioAtEachRate[i].ratio),
          `${fmt(d.achievedPerSecond)} / ${fmt(c.achievedPerSecond)}`,
          `${d.dropped + d.timedOut} / ${c.dropped + c.timedOut}`,
        ];
      }),
    ),
    "",
    "Peak throughput (closed loop, 32 in flight):",
    "",
    table(
      ["", "runs/s", "p50 ms", "p99 ms"],
      (["dataflow", "controlflow"] as const).map((s) => [
        s,
        fmt(w.peak[s].perSecond),
        fmt(w.peak[s].p50Ms),
        fmt(w.peak[s].p99Ms),
      ]),
    ),
    "",
    img("workflows_latency.svg", "workflow latency against arrival rate"),
  ].join("\n");
}

/** The report's floors section. */
export function floorsSection(
  r: Results,
  img: ImageLink,
): string {
  const f = r.floors?.results;
  if (!f) return "";
  const names = Object.keys(f.transfers);
  const h = f.http;
  const rps = (x: { requestsPerSecond: number; latencyP50Ms: number }) =>
    `${Math.round(x.requestsPerSecond)} req/s (p50 ${fmt(x.latencyP50Ms)} ms)`;
  return [
    "## 4. Floors",
    "",
    "What the platform allows, measured in the same run. Echo floors move " +
    "the payload there and back (MB/s counts both ways); the unix and http2 " +
    "echo servers run in another process.",
    "",
    "p50 ms (MB/s):",
    "",
    table(
      ["payload", ...names],
      f.sizes.map((l) => [
        l,
        ...names.map((n) => {
          const c = f.transfers[n][l];
          return c ? `${fmt(c.p50Ms)} (${fmt(c.mbPerS)})` : "–";
        }),
      ]),
    ),
    "",
    img("floors.svg", "floors"),
    `A bare \`Deno.serve\` under load (${h.tool}, ${h.connections} connections):`,
    "",
    table(["", "throughput"], [
      ["hello world (GET)", rps(h.helloWorld)],
      ["POST echo 1 KB", rps(h.postEcho1KB)],
      ["POST echo 1 KB through a worker", rps(h.postEchoThroughWorker1KB)],
    ]),
    "",
    ...wakeLines(f.wakes),
  ].join("\n");
}

/** The wake floors, when the results have them. */
function wakeLines(w: FloorResults["wakes"]): string[] {
  if (!w) return [];
  const us = (m: { p50: number; p99: number }) =>
    `p50 ${fmt(m.p50)} µs (p99 ${fmt(m.p99)})`;
  return [
    "Waking an idle worker isolate of the same process and being woken " +
    `back (${w.n} round trips each way, each after 1 ms idle):`,
    "",
    table(["", "round trip"], [
      [
        "shared memory: `Atomics.notify` to an `Atomics.waitAsync` (the " +
        "executor ring's hand-off)",
        us(w.ring),
      ],
      ["of which the waking side's `Atomics.notify`", us(w.notify)],
      ["postMessage", us(w.message)],
    ]),
    "",
  ];
}

/** Density at scale: N distinct modules, against issue 11's targets. */
function distinctSection(x: DistinctResults): string[] {
  const ms = (l: { p50: number; p99: number }) =>
    `p50 ${l.p50}, p99 ${l.p99} ms`;
  const [rss, restart, cold] = distinctTargets(x);
  const t = ISSUE_11.distinct;
  const d = x.deploy;
  return [
    `#### ${x.modules} functions of ${x.modules} distinct modules (${x.moduleBytes} B each), ${x.workers} workers`,
    "",
    table(["", "figure", "target"], [
      [
        "deploy (uploads 8 at a time, manifests of 1,000)",
        `${d.seconds} s (uploads ${d.uploadSeconds} s, manifests ${d.manifestSeconds} s)`,
        "",
      ],
      [
        "RSS deployed, nothing run",
        `${d.rssAfterMB} MB (${d.rssBeforeMB} MB empty; ${d.perFunctionKB} KB a function)`,
        `≤ ${t.maxRssMB} MB: ${met(rss.ok)}`,
      ],
      [
        "cold first invocation (compile on demand)",
        ms(x.coldFirstInvocationMs),
        `p50 ≤ ${t.maxColdP50Ms} ms: ${met(cold.ok)}`,
      ],
      ["the same functions again (warm)", ms(x.warmInvocationMs), ""],
      // Results written before the larger modules were measured lack them.
      ...(x.larger
        ? [[
          `cold / warm, ${x.larger.cold.n} distinct ${x.larger.moduleBytes} B modules (sha256 example)`,
          `${ms(x.larger.cold)} / ${ms(x.larger.warm)}`,
          "",
        ]]
        : []),
      [
        `RSS after each ran once (budget ${x.invokedOnce.budgetMB} MiB)`,
        `${x.invokedOnce.rssEndMB} MB (+${x.invokedOnce.perInvokedKB} KB a function)`,
        "",
      ],
      [
        "restart: listening / first answer",
        `${x.restart.listeningSeconds} / ${x.restart.servingSeconds} s (RSS ${x.restart.rssMB} MB)`,
        `≤ ${t.maxRestartSeconds} s: ${met(restart.ok)}`,
      ],
      [
        "cold first invocation after the restart",
        ms(x.restart.coldFirstInvocationMs),
        "",
      ],
      ...(x.restart.largerColdMs
        ? [[
          "… of the sha256 variants (rewritten bytes read from disk)",
          ms(x.restart.largerColdMs),
          "",
        ]]
        : []),
      [
        `each ran once more, --memory-budget ${x.invokedOnceUnderBudget.budgetMB} MiB`,
        `RSS ${x.invokedOnceUnderBudget.rssStartMB} → ${x.invokedOnceUnderBudget.rssEndMB} MB by tenths [${
          x.invokedOnceUnderBudget.rssSeriesMB.join(", ")
        }]; evicted ${x.invokedOnceUnderBudget.evictedMain} (main), ${x.invokedOnceUnderBudget.evictedWorkers} (workers)`,
        "",
      ],
    ]),
    "",
  ];
}
