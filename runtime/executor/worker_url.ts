/**
 * Where executor workers start from, in each way eddy can run:
 *
 * - from source (`deno run cli.ts`) and under `deno compile` (built with
 *   `--include runtime/executor/_worker.ts`): `_worker.ts` next to this file,
 *   which `deno compile` serves from the binary's embedded file system;
 * - from the single-file bundle (`deno task bundle`): `_worker.ts` is not
 *   there, so the bundle carries the worker as one ES module in a string and
 *   hands it to {@linkcode embedExecutorWorker} before anything spawns a
 *   worker. A node then writes it into its data directory
 *   ({@linkcode cacheExecutorWorker}) and workers start from that file: V8
 *   keeps compiled code for files, not for blob URLs, and a worker compiled
 *   afresh took ~40 ms more to start. The file is named by the source's
 *   SHA-256 and checked against the source when the node starts, so a worker
 *   replaced after a timeout runs the same code as the rest of the process
 *   even if the bundle was swapped on disk since; if the file is gone,
 *   workers start from a blob URL of the source.
 *
 * @module
 */

/** The embedded worker's source and its SHA-256 (hex), once a bundle gave them. */
let embedded: { source: string; sha256: string } | undefined;
/** A blob URL of the embedded source, made when first needed. */
let blobUrl: string | undefined;
/** The embedded source as a file, once {@linkcode cacheExecutorWorker} wrote it. */
let cached: URL | undefined;

/**
 * Makes executor workers start from `source`, the executor worker bundled as
 * one self-contained ES module whose SHA-256 (hex) is `sha256`, instead of
 * from `_worker.ts`. Single-file builds call this first thing; nothing else
 * should.
 *
 * @example
 * ```ts
 * import { embedExecutorWorker } from "./worker_url.ts";
 * const source = `self.onmessage = () => {};`;
 * const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(source));
 * embedExecutorWorker(source, new Uint8Array(digest).toHex());
 * ```
 */
export function embedExecutorWorker(source: string, sha256: string): void {
  embedded = { source, sha256 };
  blobUrl = undefined;
  cached = undefined;
}

/** A cached worker (its digest's first 16 hex digits), or one half written. */
const CACHED = /^executor-worker-[0-9a-f]{16}\.js(\.\d+\.partial)?$/;

/**
 * In a single-file build, keeps the embedded worker as a file in `dir`
 * (written only when missing or not the same source; copies from other
 * builds, and files a crash left half written, are removed) and starts
 * workers from it. Does nothing when workers
 * start from `_worker.ts`. A directory that cannot be written leaves workers
 * starting from a blob URL, as before.
 *
 * @example
 * ```ts
 * import { cacheExecutorWorker } from "./worker_url.ts";
 * const dir = await Deno.makeTempDir();
 * await cacheExecutorWorker(dir); // from source: nothing to do
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function cacheExecutorWorker(dir: string): Promise<void> {
  if (!embedded) return;
  const { source, sha256 } = embedded;
  const name = `executor-worker-${sha256.slice(0, 16)}.js`;
  try {
    await Deno.mkdir(dir, { recursive: true });
    const path = `${await Deno.realPath(dir)}/${name}`;
    if (await readOrUndefined(path) !== source) {
      const partial = `${path}.${Deno.pid}.partial`;
      await Deno.writeTextFile(partial, source, { mode: 0o600 });
      await Deno.rename(partial, path);
    }
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name !== name && CACHED.test(entry.name)) {
        await Deno.remove(`${dir}/${entry.name}`).catch(() => {});
      }
    }
    cached = new URL("file:///");
    cached.pathname = path;
  } catch {
    cached = undefined;
  }
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}

/**
 * The URL to start an executor worker from (as a module worker). Throws when
 * this code runs bundled but no worker source was embedded: a worker started
 * from the missing `_worker.ts` would fail, be replaced, fail again, forever.
 *
 * @example
 * ```ts
 * import { executorWorkerUrl } from "./worker_url.ts";
 * const worker = new Worker(executorWorkerUrl(), { type: "module" });
 * worker.terminate();
 * ```
 */
export function executorWorkerUrl(): string | URL {
  if (embedded) {
    if (cached && exists(cached)) return cached;
    return blobUrl ??= URL.createObjectURL(
      new Blob([embedded.source], { type: "text/javascript" }),
    );
  }
  // From source and under `deno compile` this module keeps its own file
  // name; bundled, `import.meta.url` is the bundle's.
  if (!import.meta.url.endsWith("/worker_url.ts")) {
    throw new Error(
      "this single-file build has no executor worker embedded; build it with `deno task bundle`",
    );
  }
  return new URL("./_worker.ts", import.meta.url);
}

function exists(file: URL): boolean {
  try {
    return Deno.statSync(file).isFile;
  } catch {
    return false;
  }
}
