/**
 * Where executor workers start from, in each way eddy can run:
 *
 * - from source (`deno run cli.ts`) and under `deno compile` (built with
 *   `--include runtime/executor/_worker.ts`): `_worker.ts` next to this file,
 *   which `deno compile` serves from the binary's embedded file system;
 * - from the single-file bundle (`deno task bundle`): `_worker.ts` is not
 *   there, so the bundle carries the worker as one ES module in a string and
 *   hands it to {@linkcode embedExecutorWorker} before anything spawns a
 *   worker. Workers then start from a blob URL: no file is read, so a worker
 *   replaced after a timeout runs the same code as the rest of the process
 *   even if the bundle file was swapped on disk since it started.
 *
 * @module
 */

/** A blob URL of the embedded worker, once a bundle has provided one. */
let embedded: string | undefined;

/**
 * Makes executor workers start from `source`, the executor worker bundled as
 * one self-contained ES module, instead of from `_worker.ts`. Single-file
 * builds call this first thing; nothing else should.
 *
 * @example
 * ```ts
 * import { embedExecutorWorker } from "./_worker_url.ts";
 * embedExecutorWorker(`self.onmessage = () => {};`);
 * ```
 */
export function embedExecutorWorker(source: string): void {
  embedded = URL.createObjectURL(
    new Blob([source], { type: "text/javascript" }),
  );
}

/**
 * The URL to start an executor worker from (as a module worker). Throws when
 * this code runs bundled but no worker source was embedded: a worker started
 * from the missing `_worker.ts` would fail, be replaced, fail again, forever.
 *
 * @example
 * ```ts
 * import { executorWorkerUrl } from "./_worker_url.ts";
 * const worker = new Worker(executorWorkerUrl(), { type: "module" });
 * worker.terminate();
 * ```
 */
export function executorWorkerUrl(): string | URL {
  if (embedded) return embedded;
  // From source and under `deno compile` this module keeps its own file
  // name; bundled, `import.meta.url` is the bundle's.
  if (!import.meta.url.endsWith("/_worker_url.ts")) {
    throw new Error(
      "this single-file build has no executor worker embedded; build it with `deno task bundle`",
    );
  }
  return new URL("./_worker.ts", import.meta.url);
}
