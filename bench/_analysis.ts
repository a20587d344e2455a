/**
 * The report's "Analysis" section: where the time goes, read from the
 * results of the same run (trace segments, unloaded profiles, floors), and
 * what that says about each target. Every figure quoted is computed here,
 * so the text stays true to whichever run wrote the results.
 *
 * @module
 */
import type { AdmissionResults } from "./admission.ts";
import type { ExchangeResults } from "./exchange.ts";
import type { FloorResults } from "./floors.ts";
import { fmt as f } from "./_format.ts";
import type { Results } from "./_results.ts";
import type { WorkflowResults } from "./workflows.ts";

/**
 * The "Analysis" section of the report.
 *
 * @example
 * ```ts ignore
 * const markdown = analysis(results);
 * ```
 */
export function analysis(r: Results): string {
  return [
    "## Analysis",
    "",
    exchangeAnalysis(r.exchange?.results, r.floors?.results),
    workflowAnalysis(r.workflows?.results),
    sledgeAnalysis(r),
    admissionAnalysis(r.admission?.results),
  ].join("\n");
}

function exchangeAnalysis(
  x: ExchangeResults | undefined,
  floors: FloorResults | undefined,
): string {
  if (!x) return "";
  const modes = ["memory", "unix", "http2"] as const;
  const segments = Object.keys(x.rows.memory[x.sizes[0]].breakdownMsP50 ?? {});
  const parts = [
    "### Exchange: where an eddy chain's time goes (p50 ms)",
    "",
    "From the client's clock and each run's trace. The producer runs on the " +
    "node the request came to; “producer end to consumer start” holds the " +
    "edge (for unix and http2: the push to the other node and its delivery); " +
    "“consumer end to response” holds the output's way back and, across " +
    "nodes, the origin waiting for the other node's part of the trace.",
    "",
    `| mode | payload | total | ${segments.join(" | ")} |`,
    `| --- | --- | --- | ${segments.map(() => "---").join(" | ")} |`,
    ...modes.flatMap((m) =>
      x.sizes.map((l) => {
        const c = x.rows[m][l];
        return `| ${m} | ${l} | ${f(c.latencyMs.p50)} | ${
          segments.map((s) => f(c.breakdownMsP50?.[s])).join(" | ")
        } |`;
      })
    ),
    "",
  ];
  const mem = x.rows.memory["1MB"], redis = x.rows.redis["1MB"];
  const unix = x.rows.unix["1MB"];
  if (!mem || !redis || !unix) return parts.join("\n");
  const kb = x.rows.memory["1KB"];
  const t = floors?.transfers;
  const hop = t?.["http1 echo via a worker"]?.["1KB"]?.p50Ms;
  const fresh = t?.["memcpy, fresh buffer"]?.["1MB"]?.p50Ms;
  const reused = t?.["memcpy, reused buffer"]?.["1MB"]?.p50Ms;
  const allowed = redis.latencyMs.p50 * 0.03;
  const echoReused = t?.["unix echo, reused buffers"]?.["1MB"]?.p50Ms;
  const echoFresh = t?.["unix echo"]?.["1MB"]?.p50Ms;
  const start = mem.breakdownMsP50?.["request to producer start"];
  const edgeCut = 1 - (mem.transferMs?.p50 ?? 0) / redis.transferMs!.p50;
  parts.push(
    "**Memory mode at 1 MB, latency.** 97% lower than the Redis baseline's " +
      `p50 (${f(redis.latencyMs.p50)} ms) means at most ${f(allowed)} ms ` +
      "end to end. Receiving the request and starting the run alone take " +
      `${f(start)} ms before the producer starts, and one HTTP/1.1 request ` +
      `answered through one worker hop, with no work, takes ${f(hop)} ms on ` +
      "this machine (floor: http1 echo via a worker, 1 KB); a chain makes " +
      "that request and two executor dispatches. The end-to-end target is " +
      "below what one invocation costs here; the edge itself is a hand-over " +
      `of the producer's buffer (${f(mem.transferMs?.p50)} ms p50 against ` +
      `${f(redis.transferMs?.p50)} ms for Redis's SET + GET: ` +
      `${(edgeCut * 100).toFixed(2)}% lower).`,
    "",
    "**Memory mode at 1 MB, throughput.** 40x the Redis baseline means " +
      `${f(40 * redis.throughput.chainsPerS)} chains/s of 1 MB; memory mode ` +
      `runs ${f(kb?.throughput.chainsPerS)} chains/s even at 1 KB, where ` +
      "there is nothing to move: the fixed cost of a chain (the HTTP request, " +
      "two executor dispatches and their hand-offs to a worker and back " +
      "(a wake each where the other side sleeps; see the floors), the " +
      "workflow's bookkeeping) on 2 cores shared with the client caps it. " +
      `Moving 1 MB then adds ${
        f(
          mem.breakdownMsP50!["producer step"] -
            kb.breakdownMsP50!["producer step"],
        )
      } ms to the producer step (p50): the guest's output is copied per ` +
      "`fd_write` into a buffer its worker reuses, most often an input a " +
      "consumer in that worker has finished with, and leaves in it for the " +
      "consumer (runtime/wasi OutputBuffer, `recycleBuffer`); a fresh 1 MB " +
      `buffer costs ${f(fresh)} ms to fill here, a reused one ` +
      `${f(reused)} ms (floors). The Redis baseline's producer and ` +
      "consumer are two invocations through eddy's HTTP API, so whatever " +
      "shortens eddy's invocation path lifts the baseline as well.",
    "",
    "**Unix mode at 1 MB.** The edge takes " +
      `${f(unix.transferMs?.p50)} ms p50. A raw Unix socket echo moves 1 MB ` +
      `there and back in ${f(echoReused)} ms when both ends read into ` +
      `buffers they reuse, and in ${f(echoFresh)} ms when they read into ` +
      (echoFresh! > 2 * echoReused!
        ? "fresh ones: on this VM the page faults of a fresh buffer, not the " +
          "socket, are the cost. "
        : "fresh ones. ") +
      "eddy's receiving node reads payloads into shared buffers " +
      "(comm/receive_buffers.ts) that reach the consumer's worker without " +
      "moving and serve the next payload of their size once the run is " +
      "done; on the sending node, the producer's output goes back to a " +
      "worker as a spare once its push succeeded (`ExecutorPool.recycle`), " +
      "so the next producer writes into pages already faulted in; " +
      "bench/comm.ts measures `UnixTransport` itself close to the raw " +
      "socket. Around the edge, a run across two nodes adds hops the " +
      "memory mode does not make: the run's start message to the other " +
      "node, the output's push back, and the origin waiting for the other " +
      "node's trace after the output arrived (node/workflows.ts `invoke`), " +
      "each crossing both nodes' event loops; see “consumer end " +
      "to response” above.",
    "",
    largePayloads(x, t),
  );
  return parts.join("\n");
}

/** Where the time goes at the largest payload, against fresh memory's floor. */
function largePayloads(
  x: ExchangeResults,
  t: FloorResults["transfers"] | undefined,
): string {
  const label = x.sizes.at(-1)!;
  const mem = x.rows.memory[label];
  const producer = mem.breakdownMsP50?.["producer step"];
  const fresh = t?.["memcpy, fresh buffer"]?.[label]?.p50Ms;
  if (producer === undefined || fresh === undefined) return "";
  return "**Large payloads.** At " + label + ", " +
    `${f(producer / mem.latencyMs.p50 * 100)}% of a memory-mode chain ` +
    `(${f(mem.latencyMs.p50)} ms) is the producer step (${f(producer)} ms): ` +
    "the output is assembled in 64 KiB copies per `fd_write` in memory " +
    "that is fresh at these sizes (past 16 MiB one resizable buffer grown " +
    "in place, handed to the consumer as it is), and filling one fresh " +
    "buffer of " +
    `${label} takes ${f(fresh)} ms on this VM (floor: memcpy into a fresh ` +
    `buffer; ${f(t?.["memcpy, reused buffer"]?.[label]?.p50Ms)} ms into a ` +
    "reused one). Every system pays page faults for each fresh copy of the " +
    "payload it makes, so at these sizes the ranking follows the number of " +
    "fresh copies more than the transport.\n";
}

function workflowAnalysis(w: WorkflowResults | undefined): string {
  if (!w) return "";
  const u = w.unloaded;
  const guest = Object.values(u.guestMs).reduce((a, b) => a + b, 0);
  const cpu = (perSecond: number) => 2000 / perSecond;
  const worst = w.targets.p99RatioAtEachRate.reduce((a, b) =>
    b.ratio > a.ratio ? b : a
  );
  return [
    "### Workflows",
    "",
    `One run at a time, data flow takes ${f(u.dataflowMs)} ms (p50) and ` +
    `control flow ${f(u.controlflowMs)} ms. The guests' own run time is ` +
    `${f(guest)} ms per run (${
      Object.entries(u.guestMs).map(([k, v]) => `${k} ${f(v)}`).join(", ")
    } ms); the data-flow steps as the trace sees them (with executor ` +
    `dispatch): ${
      Object.entries(u.dataflowStepMs).map(([k, v]) => `${k} ${f(v)}`).join(
        ", ",
      )
    } ms. Control flow adds, per run, four HTTP invocations instead of one ` +
    "request, three SETs and four GETs, and the orchestrator's own process.",
    "",
    "Peak throughput is CPU-bound: everything (the node, its two workers, " +
    "redis-server, the orchestrator and the load generator) shares 2 cores. " +
    "At the peak, 2 cores over the runs per second come to " +
    `~${f(cpu(w.peak.dataflow.perSecond))} ms of CPU per data-flow run and ` +
    `~${
      f(cpu(w.peak.controlflow.perSecond))
    } ms per control-flow run. Take away the guests' own run time (${
      f(guest)
    } ms, paid by both) ` +
    `and the rest is ~${f(cpu(w.peak.dataflow.perSecond) - guest)} ms ` +
    `against ~${f(cpu(w.peak.controlflow.perSecond) - guest)} ms: data ` +
    `flow's coordination costs ${
      f(
        (cpu(w.peak.controlflow.perSecond) - guest) /
          (cpu(w.peak.dataflow.perSecond) - guest),
      )
    }x less, but what both pay alike (the guests, the load generator's ` +
    "request) bounds the throughput ratio from above. So does " +
    "each step's executor work, which both systems pay per step: a fresh " +
    "instance per invocation (a Rust or AssemblyScript module costs more " +
    "to instantiate than the C echo of the start-up figures), and a fresh " +
    "memory to zero after each run (runtime/executor/memory_pool.ts " +
    "recycles memories, grown or not, and zeroes all of one: " +
    "examples/sha256 grows from 17 to 18 pages on this input). Under " +
    "the open loop, the worst p99 ratio was " +
    `${f(worst.ratio)} at ${worst.rate}/s. Once a system is past its ` +
    "capacity its queue grows for the whole step and p99 is the queue, not " +
    "the system: compare the rates below each system's peak; a rate near " +
    "capacity is also where transient load from other work on the machine " +
    "tips one system or the other over, so those rows vary most between " +
    "runs.",
    "",
  ].join("\n");
}

function sledgeAnalysis(r: Results): string {
  const s = r.startup?.results;
  const v = r.serving?.results;
  const floor = r.floors?.results.http.postEchoThroughWorker1KB;
  const wakes = r.floors?.results.wakes;
  const parts: string[] = ["### Start-up and serving", ""];
  if (s) {
    parts.push(
      `**Start-up.** Instantiate and run echo: ${s.invokeEcho1KB.p50} µs ` +
        `p50, against ${s.floorInstanceRecycledMemory.p50} µs for a bare ` +
        `instance with a recycled memory and ${s.floorInstanceFreshMemory.p50} ` +
        "µs with a fresh one: recycling memories (MemoryPool) is what keeps " +
        "the per-invocation instance below a fresh memory's page faults " +
        "(130–200 µs for a fresh wasm memory on these VMs).",
      "",
    );
    const w = s.wasmtime;
    if (w && !("missing" in w)) {
      parts.push(
        `wasmtime ${w.version}, compiled ahead and pooling its memories, ` +
          `instantiates and runs the same echo in ${w.wasiPooling.p50} µs ` +
          `with its own WASI and ${w.minimalHostPooling.p50} µs with ` +
          `minimal host functions: eddy's p50 is ${
            f(w.eddyRatio.wasiPooling)
          }x and ${
            f(w.eddyRatio.minimalHostPooling)
          }x theirs. The minimal-host figure is an engine's floor for this ` +
          "work; eddy's distance to it is what a leaner instantiate-and-run " +
          "path could still win.",
        "",
      );
    }
  }
  const side = v?.sideBySide;
  if (side) {
    const eddy = side.rows.eddy!;
    const q = side.eddyRatio;
    const workerd = "missing" in side.workerd
      ? "workerd was not measured."
      : `Against workerd running the same echo.wasm: ${
        f(q["workerd fresh"])
      }x its req/s with a fresh instance per request, ${
        f(q["workerd recycled"])
      }x with a recycled memory and ${
        f(q["workerd reused"])
      }x when it reuses one instance (no isolation). workerd's fresh ` +
        "instances pay a fresh memory each; eddy runs each invocation from " +
        "a new instance's state: it puts its worker's instance of the " +
        "module back (memory zeroed, data segments and globals rewritten; " +
        "runtime/module/reset.ts) instead of making one.";
    const ring = q["Deno.serve echo via a ring"];
    const hops = ring === undefined
      ? `${
        f(q["Deno.serve echo via a worker"])
      }x the same through one worker hop`
      : `${
        f(q["Deno.serve echo via a worker"])
      }x the same through one postMessage round trip to a worker and ${
        f(ring)
      }x through a worker's ring in shared memory, the hop eddy makes (${
        f(
          side.rows["Deno.serve echo via a ring"]!.requestsPerSecond /
            side.rows["Deno.serve echo"]!.requestsPerSecond,
        )
      }x the bare echo)`;
    parts.push(
      `**Serving.** Side by side at ${side.connections} connections eddy ` +
        `answers ${eddy.requestsPerSecond} req/s, ${
          f(q["Deno.serve echo"])
        }x a bare Deno.serve echo, ${hops}${
          (ring ?? q["Deno.serve echo via a worker"]!) < 1
            ? ": the rest is eddy's own work per invocation (the request " +
              "checks, limits and admission, the instance's reset and its " +
              "WASI run, metrics)"
            : " (above a floor: the machine's other load moved between turns)"
        }. ${workerd} The load generator shares the 2 cores with the server ` +
        "it loads, so every server's figure is also bounded by it.",
      "",
    );
    if (wakes) {
      parts.push(
        "A worker that runs out of jobs sleeps, and the main isolate wakes " +
          "it for the next one; the worker wakes the main isolate for a " +
          "result when it sleeps too. On this machine a wake of an idle " +
          `isolate and back takes ${f(wakes.ring.p50)} µs p50 through shared ` +
          `memory (the waking side spends ${f(wakes.notify.p50)} µs of it in ` +
          `\`Atomics.notify\`) and ${f(wakes.message.p50)} µs through ` +
          "postMessage (floors): under load the ring's wakes are fewer than " +
          "the jobs (a worker drains every job written before it sleeps), " +
          "while the bare echo hands nothing to another thread at all.",
        "",
      );
    }
  } else if (v && floor) {
    const connections = r.floors!.results.http.connections;
    const step = v.steps.find((p) => p.connections === connections);
    parts.push(
      step
        ? `**Serving.** At ${connections} connections eddy answers ` +
          `${step.requestsPerSecond} req/s, ${
            f(step.requestsPerSecond / floor.requestsPerSecond * 100)
          }% of a bare Deno.serve answering the same 1 KB echo through one ` +
          `worker hop (${Math.round(floor.requestsPerSecond)} req/s).`
        : `**Serving.** Peak ${v.peakRequestsPerSecond} req/s; a bare ` +
          "Deno.serve answering the same echo through one worker hop: " +
          `${Math.round(floor.requestsPerSecond)} req/s at ${connections} ` +
          "connections.",
      "",
    );
  }
  return parts.join("\n");
}

/** The `--max-queue-wait` value of a node's flags, if it has one. */
function boundOf(flags: string[]): string | undefined {
  const at = flags.indexOf("--max-queue-wait");
  return at < 0 ? undefined : flags[at + 1];
}

/** Why issue 11's burst and flood figures are what they are. */
function admissionAnalysis(a: AdmissionResults | undefined): string {
  if (!a) return "";
  const nodes = [...a.runs, ...(a.sweep ?? [])];
  const bounded = nodes.filter((x) => boundOf(x.flags) && x.burst.refusalMs);
  const open = nodes.find((x) => !boundOf(x.flags));
  const capacity = a.runs[0].capacityPerSecond;
  const parts = ["### Admission under bursts and floods", ""];
  if (bounded.length) {
    parts.push(
      "**Bursts.** An admitted invocation may wait up to its bound, then " +
        `runs (2 workers completed ${f(capacity)}/s: ~${
          f(2000 / capacity)
        } ms a run) and comes back: the admitted p99 was ${
          bounded.map((x) =>
            `${f(x.burst.admittedMs.p99)} ms at a ${boundOf(x.flags)} bound`
          ).join(", ")
        }, so a node meets an admitted-latency goal with a bound of about ` +
        "half of it. " +
        (open
          ? `Without a bound all ${open.burst.admitted} were admitted, at ` +
            `p99 ${f(open.burst.admittedMs.p99)} ms. `
          : "") +
        "Refusals are answered before the request's body is read, at p99 " +
        `${
          bounded.map((x) => f(x.burst.refusalMs!.p99)).join(" / ")
        } ms (the same order): by the node's thread, which shares the 2 ` +
        "cores with the busy workers and with the client timing it, so the " +
        "slowest wait for a core or for a collection.",
      "",
    );
  }
  const capped = a.runs.flatMap((x) =>
    x.fairnessCapped ? [x.fairnessCapped] : []
  );
  if (capped.length) {
    parts.push(
      "**Floods.** Beside a function flooded at 10x its " +
        "`limits.concurrency` (its clients retry each refusal at once) the " +
        `echo's p99 was ${
          capped.map((c) =>
            `${f(c.echoBesideFloodMs.p99)} ms (alone, between its rounds, ${
              f(c.echoAloneMs.p99)
            })`
          ).join(", ")
        }. The flood's guests keep both workers busy, and its clients, in ` +
        "a process of their own on the same 2 cores, were refused " +
        `${capped.map((c) => c.flood.refused).join(" / ")} times: the ` +
        "echo does not wait in the flood's line (each function has its " +
        "own, and a short job overtakes on an extra worker), but each wake " +
        "of its worker and of the node's thread waits for a core." +
        nicedFloods(a.runs),
      "",
    );
  }
  return parts.join("\n");
}

/**
 * The same floods from a client process at nice 19, which leaves the
 * cores to the node as clients on other machines would.
 */
function nicedFloods(runs: AdmissionResults["runs"]): string {
  const niced = runs.flatMap((x) =>
    x.fairnessCappedNiced ? [x.fairnessCappedNiced] : []
  );
  if (!niced.length) return "";
  return " With the flood's process at nice 19 (a core only when the " +
    "node's threads leave one, as clients on other machines leave the " +
    `node's cores alone) the echo's p99 was ${
      niced.map((c) => `${f(c.echoBesideFloodMs.p99)} ms`).join(", ")
    }: what is left with the flood's clients at full priority is theirs.`;
}
