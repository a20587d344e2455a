/**
 * Collecting garbage on purpose. V8 frees a dropped `WebAssembly.Module`
 * (its code and bytes, shared by every isolate that holds it) only when a
 * full collection finds it unreachable, and it counts a module's native
 * memory too little to start one: a node that redeploys now and then kept
 * every old module until a collection came by chance (RSS climbed ~0.3 MiB
 * a redeploy, 100+ MiB between collections).
 *
 * @module
 */

const PROMPT_BYTES = 64 << 20;

/**
 * Makes V8 collect garbage soon in the calling isolate, without loading
 * anything. Allocating an ArrayBuffer makes V8 count its size as external
 * memory, and 64 MiB of it starts a collection; the buffer is never
 * touched, so it takes address space only, never resident memory. The
 * buffer dies young, so V8 often settles it with a scavenge, which frees
 * no module: where a pause is affordable, {@linkcode collectGarbage} is
 * sure.
 *
 * @example
 * ```ts
 * import { promptCollection } from "./collect.ts";
 * promptCollection(); // after dropping the last references to big objects
 * ```
 */
export function promptCollection(): void {
  const external = new ArrayBuffer(PROMPT_BYTES);
  void external;
}

type FullCollection = () => void;

let fullCollection: Promise<FullCollection | undefined> | undefined;

/**
 * V8's own `gc()`: a full, synchronous collection. Deno exposes it only
 * under `--expose-gc`; the flag can be set at run time, and takes effect in
 * contexts made after, so one `node:vm` context provides it. Loading
 * `node:v8` and `node:vm` costs ~20 ms once, which is why executor workers,
 * which start often, only prompt.
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
