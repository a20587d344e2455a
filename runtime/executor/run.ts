/**
 * Runs a guest once in the current isolate: fresh instance from a compiled
 * module, WASI host with in-memory stdio, classified outcome. Executor
 * workers call this per invocation; `eddy run` calls it with the terminal as
 * stdio.
 *
 * @module
 */
import { MEMORY_IMPORT } from "../module/mod.ts";
import {
  type ByteSink,
  type ByteSource,
  OutputBuffer,
  OutputLimitError,
  WasiHost,
} from "../wasi/mod.ts";
import type { JobFailure, JobResult, JobSpec } from "./job.ts";
import { TailBuffer } from "./tail_buffer.ts";

/** How much of a guest's stderr is kept for results and error reports. */
export const STDERR_TAIL_BYTES = 4096;

/** Where a run's stdio goes, when not to in-memory buffers. */
export interface RunStdio {
  stdin?: Uint8Array | ByteSource;
  /** Defaults to an in-memory buffer capped at `spec.maxOutputBytes`. */
  stdout?: ByteSink;
  /** Defaults to a tail buffer of {@linkcode STDERR_TAIL_BYTES}. */
  stderr?: ByteSink;
}

/** What to run: a compiled module and, if it imports its memory, that memory. */
export interface Runnable {
  module: WebAssembly.Module;
  /** Supplied as {@link MEMORY_IMPORT} to a module compiled with a memory limit. */
  memory?: WebAssembly.Memory;
}

/**
 * Instantiates `runnable.module` (with `runnable.memory` when it imports its
 * memory) and runs its `_start` with `spec`'s args, env and preopens. Never throws for guest misbehaviour: a trap, a non-zero exit, an
 * output overflow or a memory cap hit come back as `failure`.
 *
 * @example
 * ```ts
 * import { runGuest } from "./run.ts";
 * const module = await WebAssembly.compile(await Deno.readFile("examples/echo/echo.wasm"));
 * const result = runGuest({ module }, {
 *   fn: "echo", args: ["echo"], env: {}, preopens: [], timeoutMs: 1000,
 *   maxMemoryBytes: 1 << 26, maxOutputBytes: 1 << 20,
 * }, { stdin: new TextEncoder().encode("hi") });
 * console.log(new TextDecoder().decode(result.stdout)); // "hi"
 * ```
 */
export function runGuest(
  runnable: Runnable,
  spec: JobSpec,
  stdio: RunStdio = {},
): JobResult {
  const started = performance.now();
  const stdout = stdio.stdout ?? new OutputBuffer(spec.maxOutputBytes);
  const stderr = stdio.stderr ?? new TailBuffer(STDERR_TAIL_BYTES);
  const host = new WasiHost({
    args: spec.args,
    env: spec.env,
    preopens: spec.preopens,
    stdin: stdio.stdin,
    stdout,
    stderr,
  });
  let instance: WebAssembly.Instance | undefined;
  let exitCode = -1;
  let failure: JobFailure | undefined;
  try {
    const imports = runnable.memory
      ? {
        ...host.imports,
        [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.name]: runnable.memory },
      }
      : host.imports;
    instance = new WebAssembly.Instance(runnable.module, imports);
    exitCode = host.start(instance);
    if (exitCode !== 0) {
      failure = { reason: "exit", message: `exited with code ${exitCode}` };
    }
  } catch (error) {
    failure = classify(error, spec);
  }
  if (failure && atMemoryCap(instance, spec.maxMemoryBytes)) {
    failure = {
      reason: "memory_limit",
      message: `${failure.message} with its memory at the ${
        formatMiB(spec.maxMemoryBytes)
      } limit`,
    };
  }
  return {
    exitCode,
    stdout: stdout instanceof OutputBuffer
      ? stdout.bytes() as Uint8Array<ArrayBuffer>
      : new Uint8Array(),
    stderr: stderr instanceof TailBuffer ? stderr.text() : "",
    durationMs: performance.now() - started,
    failure,
  };
}

function classify(error: unknown, spec: JobSpec): JobFailure {
  if (error instanceof OutputLimitError) {
    return {
      reason: "output_too_large",
      message: `output exceeds its limit of ${spec.maxOutputBytes} bytes`,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { reason: "trap", message: `trapped: ${message}` };
}

/**
 * A guest that fails with its memory within one growth step of its cap most
 * likely failed because `memory.grow` was refused: V8 gives no hook on
 * refused growth, so this is judged from the size the guest reached.
 */
function atMemoryCap(
  instance: WebAssembly.Instance | undefined,
  maxMemoryBytes: number,
): boolean {
  const memory = instance?.exports.memory;
  if (!(memory instanceof WebAssembly.Memory)) return false;
  const slack = Math.max(2 << 20, maxMemoryBytes / 16);
  return memory.buffer.byteLength + slack >= maxMemoryBytes;
}

function formatMiB(bytes: number): string {
  return `${Math.round(bytes / 1048576 * 10) / 10} MiB`;
}
