/**
 * `deno task bundle [--minify] [OUTPUT]`: eddy as one JavaScript file
 * (default `dist/eddy.js`) that runs with nothing but a `deno` binary:
 * `deno run -A dist/eddy.js serve`, or `./dist/eddy.js serve` (it has a
 * shebang). Machines that cannot run `deno compile` (it downloads `denort`)
 * can still build and ship this.
 *
 * Two passes of `deno bundle`: first the executor worker alone, then the
 * command line with that worker's code embedded as a string, which
 * `runtime/executor/worker_url.ts` starts workers from. A one-file bundle
 * has no `_worker.ts` to point `new Worker` at.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { VERSION } from "../version.ts";
import { NODE_V8_FLAGS } from "../node/v8_flags.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const WORKER = new URL("../runtime/executor/_worker.ts", import.meta.url);
const WORKER_URL_MODULE = new URL(
  "../runtime/executor/worker_url.ts",
  import.meta.url,
);
const CLI_MAIN = new URL("../cli/main.ts", import.meta.url);

/** Options of {@linkcode bundle}. */
export interface BundleOptions {
  /** Minify both passes (smaller file, less readable stack traces). */
  minify?: boolean;
}

/**
 * Writes the single-file build of eddy to `output` (made executable) and
 * resolves to its size in bytes.
 *
 * @example
 * ```ts ignore
 * import { bundle } from "./bundle.ts";
 * const bytes = await bundle(`${await Deno.makeTempDir()}/eddy.js`);
 * ```
 */
export async function bundle(
  output: string,
  options: BundleOptions = {},
): Promise<number> {
  const work = await Deno.makeTempDir({ prefix: "eddy-bundle-" });
  try {
    const workerJs = `${work}/worker.js`;
    await denoBundle(WORKER.href, workerJs, options);
    const entry = `${work}/entry.js`;
    await Deno.writeTextFile(
      entry,
      entrySource(asciiOnly(await Deno.readTextFile(workerJs))),
    );
    const bundled = `${work}/eddy.js`;
    await denoBundle(entry, bundled, options);
    const text = `#!/usr/bin/env -S deno run -A ${NODE_V8_FLAGS}\n` +
      `// eddy ${VERSION}, single-file build: deno run -A eddy.js --help\n` +
      asciiOnly(await Deno.readTextFile(bundled));
    await Deno.mkdir(dirname(resolve(output)), { recursive: true });
    await Deno.writeTextFile(output, text, { mode: 0o755 });
    return new TextEncoder().encode(text).byteLength;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/**
 * `code` with every non-ASCII character written as a `\uXXXX` escape,
 * which means the same in strings, regular expressions, identifiers and
 * comments. A few such characters (an arrow, a dash in a comment) would
 * make V8 hold the whole multi-megabyte source as two-byte text, where
 * Deno keeps an ASCII source as it is: ~5 MB of RSS.
 */
function asciiOnly(code: string): string {
  return code.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * The bundle's entry: embed the worker, then run the command line. The
 * static import of cli/main.ts is evaluated first, which is fine: nothing
 * spawns a worker until `main` runs.
 */
function entrySource(workerSource: string): string {
  const sha256 = createHash("sha256").update(workerSource).digest("hex");
  return [
    `import { embedExecutorWorker } from ${
      JSON.stringify(WORKER_URL_MODULE.href)
    };`,
    `import { main } from ${JSON.stringify(CLI_MAIN.href)};`,
    `embedExecutorWorker(${JSON.stringify(workerSource)}, "${sha256}");`,
    `Deno.exit(await main(Deno.args));`,
    "",
  ].join("\n");
}

/** Runs `deno bundle` with the repository's config (its import map). */
async function denoBundle(
  entry: string,
  output: string,
  options: BundleOptions,
): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "deno",
      "--config",
      `${ROOT}deno.json`,
      ...(options.minify ? ["--minify"] : []),
      "--output",
      output,
      entry,
    ],
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `deno bundle ${entry} failed:\n${new TextDecoder().decode(stderr)}`,
    );
  }
}

if (import.meta.main) {
  const minify = Deno.args.includes("--minify");
  const output = Deno.args.find((a) => !a.startsWith("--")) ??
    `${ROOT}dist/eddy.js`;
  const bytes = await bundle(output, { minify });
  console.log(`wrote ${output} (${(bytes / 1024).toFixed(0)} KiB)`);
}
