/**
 * Collecting garbage on purpose. V8 frees a dropped `WebAssembly.Module`
 * (its code and bytes, shared by every isolate that holds it) only when a
 * full collection in every isolate that held it finds it unreachable, and
 * it counts a module's native memory too little to start one: a node that
 * redeploys now and then kept every old module until a collection came by
 * chance (RSS climbed ~0.3 MiB a redeploy, 100+ MiB between collections).
 *
 * @module
 */

const PROMPT_BYTES = 64 << 20;

/**
 * Estimated bytes of compiled modules dropped between two full collections
 * in one isolate: often enough that dead modules never pile up (uploads of
 * 10,000 modules left ~85 MB of them; 160 KiB modules redeployed 540 times
 * in a loop: RSS +4 MB, against a sawtooth up to +40 MB at 16 MiB), seldom
 * enough that the pauses (~20-35 ms of main-isolate heap here) stay rare:
 * one per ~16 such redeploys, per ~400 small modules uploaded or evicted.
 */
const COLLECT_AFTER_BYTES = 8 << 20;

/**
 * Makes V8 collect garbage soon, without loading anything: a 64 MiB
 * ArrayBuffer counts as external memory, which starts a collection (the
 * buffer is never touched: address space only). It dies young, so V8 may
 * settle it with a scavenge, which frees no module: the fallback where
 * `gc()` cannot be had.
 */
function promptCollection(): void {
  const external = new ArrayBuffer(PROMPT_BYTES);
  void external;
}

type FullCollection = () => void;

let fullCollection: Promise<FullCollection | undefined> | undefined;

/**
 * V8's own `gc()`: a full, synchronous collection. Deno exposes it only
 * under `--expose-gc`; the flag can be set at run time, and takes effect in
 * contexts made after, so one `node:vm` context provides it. Loading
 * `node:v8` and `node:vm` costs ~20 ms once per isolate, at its first
 * collection (an executor worker pays it only once it has dropped 8 MiB
 * of modules).
 */
async function loadFullCollection(): Promise<FullCollection | undefined> {
  try {
    const [{ setFlagsFromString }, { runInNewContext }] = await Promise.all([
      import("node:v8"),
      import("node:vm"),
    ]);
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc");
    return typeof gc === "function" ? gc : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs a full garbage collection in the calling isolate (a pause of
 * ~10-60 ms for the node's main isolate on these machines), or prompts one
 * where V8's `gc()` cannot be had. Call it seldom: after dropping many
 * megabytes of compiled modules.
 *
 * @example
 * ```ts
 * import { collectGarbage } from "./collect.ts";
 * await collectGarbage();
 * ```
 */
export async function collectGarbage(): Promise<void> {
  const collect = await (fullCollection ??= loadFullCollection());
  if (collect) collect();
  else promptCollection();
}

/**
 * Counts the compiled modules an isolate drops, by their estimated cost
 * (`estimatedCompiledBytes`), and runs {@linkcode collectGarbage} every
 * 8 MiB of them. Each isolate that held a module needs its own: an
 * executor worker that only prompted (a large young ArrayBuffer) was
 * settled by scavenges on a fast machine and kept every module it was told
 * to drop (160 KiB modules redeployed: RSS +0.19 MiB a redeploy, 1,000 of
 * them +165 MiB; with this, +4 MiB over 540).
 *
 * @example
 * ```ts
 * import { DroppedModules } from "./collect.ts";
 * const dropped = new DroppedModules();
 * dropped.add(20 << 10); // after deleting the last reference to a module
 * ```
 */
export class DroppedModules {
  #bytes = 0;

  /** Counts one module of estimated `cost` bytes dropped. */
  add(cost: number): void {
    this.#bytes += cost;
    if (this.#bytes < COLLECT_AFTER_BYTES) return;
    this.#bytes = 0;
    void collectGarbage();
  }
}
