/**
 * wasmtime beside eddy's in-process start-up: runs the harness that
 * bench/peers.ts built (bench/_wasmtime_echo.c against the pip package's
 * libwasmtime.so) on examples/echo/echo.wasm.
 *
 * @module
 */
import { ROOT } from "./_nodes.ts";

/** µs per new instance + `_start` of echo with 1 KB, per linker. */
export interface WasmtimeSamples {
  /** wasmtime's own WASI preview1, pooling allocator. */
  wasi: number[];
  /** Host functions of ours, just what echo imports, pooling allocator. */
  minimal: number[];
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
