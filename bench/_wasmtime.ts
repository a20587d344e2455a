/**
 * wasmtime beside eddy's in-process start-up: bench/_wasmtime_echo.c built
 * with the system C compiler against the pip package's libwasmtime.so
 * (into the peer cache, once per source and library), then run on
 * examples/echo/echo.wasm.
 *
 * @module
 */
import { ROOT } from "./_nodes.ts";
import { type Found, peerCache, run } from "./peers.ts";

/** µs per new instance + `_start` of echo with 1 KB, per linker. */
export interface WasmtimeSamples {
  /** wasmtime's own WASI preview1, pooling allocator. */
  wasi: number[];
  /** Host functions of ours, just what echo imports, pooling allocator. */
  minimal: number[];
}

/**
 * Builds the harness when it is not built yet for this source and
 * library; resolves to its path or to why it cannot be built.
 *
 * @example
 * ```ts ignore
 * const harness = await buildWasmtimeHarness("/path/to/_libwasmtime.so");
 * ```
 */
export async function buildWasmtimeHarness(library: string): Promise<Found> {
  const source = await Deno.readFile(`${ROOT}bench/_wasmtime_echo.c`);
  const key = new Uint8Array(
    await crypto.subtle.digest(
      "SHA-256",
      new Uint8Array([...source, ...new TextEncoder().encode(library)]),
    ),
  ).slice(0, 8).reduce((s, b) => s + b.toString(16).padStart(2, "0"), "");
  const binary = `${peerCache()}/wasmtime_echo-${key}`;
  try {
    await Deno.stat(binary);
    return { path: binary };
  } catch { /* not built yet */ }
  await Deno.mkdir(peerCache(), { recursive: true });
  const libDir = library.slice(0, library.lastIndexOf("/"));
  const why = await run("cc", [
    "-O2",
    "-o",
    binary,
    `${ROOT}bench/_wasmtime_echo.c`,
    library,
    `-Wl,-rpath,${libDir}`,
  ]);
  return why
    ? { missing: `cc could not build bench/_wasmtime_echo.c: ${why}` }
    : { path: binary };
}

/**
 * Runs the harness: `iterations` measured calls of each linker (after
 * `warmup`), interleaved.
 *
 * @example
 * ```ts ignore
 * const { wasi, minimal } = await runWasmtimeHarness(harness, 5000, 500);
 * ```
 */
export async function runWasmtimeHarness(
  harness: string,
  iterations: number,
  warmup: number,
): Promise<WasmtimeSamples> {
  const out = await new Deno.Command(harness, {
    args: [
      `${ROOT}examples/echo/echo.wasm`,
      String(iterations),
      String(warmup),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `${harness} failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  const samples = (name: string) => {
    const line = lines.find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`${harness} printed no ${name} samples`);
    return line.split(" ").slice(1).map(Number);
  };
  return { wasi: samples("wasi"), minimal: samples("minimal") };
}
