/**
 * The V8 flags a node runs with. They can only be given when Deno starts
 * (`--v8-flags` or `DENO_V8_FLAGS`; `node:v8`'s `setFlagsFromString` has no
 * effect on a running isolate), so the `serve` task, the bundle's shebang,
 * the compile tasks, the systemd unit and the benchmarks pass them.
 *
 * `--max-semi-space-size=4` caps each isolate's young generation at a few
 * MiB. Uncapped, under a 1 KB echo load at 64 connections, the young
 * generations of the main isolate and the workers grew to 43-52 MB each and
 * the process held 373-402 MB; capped at 2, 216-255 MB at the same
 * throughput (measured side by side, 4 rounds each).
 *
 * `--heap-growing-percent=100` lets each isolate's heap limit double after a
 * full collection instead of growing by V8's own factor (up to 4x when
 * collections are fast), so what the young generation promoted (a
 * request's objects that outlived two scavenges while its guest ran) and
 * the buffers it holds outside the heap are collected sooner. Measured side
 * by side, in alternating runs, against `--max-semi-space-size=2` alone:
 * under that echo load 171-177 MB instead of 210-219, at 5% fewer req/s
 * (9.6k against 10.0-10.4k); 1 MiB workflow chains 0-9% fewer a second.
 * A lower percentage saves more and costs more: at 20, 146-152 MB, but
 * 9% fewer echoes and a quarter fewer Unix-socket chains (more full
 * collections with megabyte buffers alive); a semi-space of 2 with 100,
 * 160-165 MB at 12% fewer echoes. An edge node runs short of memory before
 * it runs short of cores.
 *
 * `--initial-old-space-size=16` (MiB) starts each isolate's old-generation
 * limit there rather than at a few MiB. A worker allocates a new instance's
 * internals (V8's trusted instance data, its tables) in the old generation
 * directly, not in the young one, so a worker running ~6,000 instances a
 * second ran a full collection after nearly every scavenge (40 of each in
 * 5 s, each worker, under the 1 KB echo load); with the flag, 16-20. Side by
 * side (alternating runs, 6-8 rounds each, three runs): 1 KB echo +7.5-10%
 * req/s (12.0k -> 12.9k, 12.5k -> 13.8k) at 7-13 MB more RSS under that load,
 * idle RSS unchanged (60.0-61.3 MB either way); 1 MiB memory-mode chains
 * 1,765 -> 1,945/s, their collector threads' time 62 -> 43 µs a chain.
 *
 * `--no-allocation-site-pretenuring` keeps V8 from allocating objects of
 * sites it judged long-lived straight into the old generation. Loading
 * eddy's libraries (zod, yaml, anything that loads `node:stream`) made it
 * judge so some sites of Deno's own HTTP code that every request runs: a
 * bare `Deno.serve` echo that merely imports zod had 22% of what it
 * allocated survive each scavenge and be promoted (85 MB in 4 s against 7
 * without it) and answered 24.9k against 30.8k req/s. Dead objects in the
 * old generation keep the young ones they point to alive until the next
 * mark-compact, so a request's objects all survived. The node's thread
 * under the 1 KB echo at 64 connections: 0.3 KB promoted a request instead
 * of 2.4 (as a bare Deno.serve echo does), scavenges 209 instead of 358 ms
 * and 5 mark-compacts instead of 20 in 5 s; side by side (alternating 3 s
 * rounds, 14 pairs, twice): +2.4% and +7.6% req/s, medians of the pairs'
 * ratios 1.05 and 1.09, CPU a request 140 -> 129 µs; RSS under that load
 * 185-188 MB against 180; 1 MiB memory-mode chains unchanged within noise
 * (2,591 against 2,655/s).
 *
 * @module
 */

/**
 * The `--v8-flags` argument for `deno run` or `deno compile` of a node.
 *
 * @example
 * ```ts
 * import { NODE_V8_FLAGS } from "./v8_flags.ts";
 * console.log(NODE_V8_FLAGS); // --v8-flags=--max-semi-space-size=4,--heap-growing-percent=100,--initial-old-space-size=16,--no-allocation-site-pretenuring
 * ```
 */
export const NODE_V8_FLAGS =
  "--v8-flags=--max-semi-space-size=4,--heap-growing-percent=100,--initial-old-space-size=16,--no-allocation-site-pretenuring";
