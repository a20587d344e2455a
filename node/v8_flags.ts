/**
 * The V8 flags a node runs with. They can only be given when Deno starts
 * (`--v8-flags` or `DENO_V8_FLAGS`; `node:v8`'s `setFlagsFromString` has no
 * effect on a running isolate), so the `serve` task, the bundle's shebang,
 * the compile tasks, the systemd unit and the benchmarks pass them.
 *
 * `--max-semi-space-size=2` caps each isolate's young generation at a few
 * MiB. Under a 1 KB echo load at 64 connections the young generations of
 * the main isolate and the workers grew to 43-52 MB each and the process
 * held 373-402 MB; capped, it held 216-255 MB at the same throughput
 * (measured side by side, 4 rounds each, req/s within the runs' noise).
 *
 * `--heap-growing-percent=20` lets each isolate's heap limit grow by a fifth
 * after a full collection instead of V8's own factor (up to 4x when
 * collections are fast), so garbage the young generation promoted (a
 * request's objects that outlived two scavenges while its guest ran) and
 * the buffers it holds outside the heap are collected sooner. Under the
 * same load, 3 rounds side by side: 206-218 MB -> 146-152 MB (V8's pages
 * 83 -> 53 MB, malloc's heap 49 -> 18 MB), for 2-12% fewer req/s in each
 * round (9.9k -> 9.0k on average, within what one round's noise moves).
 * An edge node is short of memory before it is short of cores.
 *
 * @module
 */

/**
 * The `--v8-flags` argument for `deno run` or `deno compile` of a node.
 *
 * @example
 * ```ts
 * import { NODE_V8_FLAGS } from "./v8_flags.ts";
 * console.log(NODE_V8_FLAGS); // --v8-flags=--max-semi-space-size=2,--heap-growing-percent=20
 * ```
 */
export const NODE_V8_FLAGS =
  "--v8-flags=--max-semi-space-size=2,--heap-growing-percent=20";
