/**
 * WasiHost: one guest's WASI preview1 world (args, env, in-memory stdio,
 * preopened directories) and the import object that gives it to an
 * instance.
 *
 * Construction is cheap on purpose (the whole in-process invocation of a
 * small function is a few tens of µs): nothing touches the file system
 * until the guest uses a preopen, and args/env are encoded on first ask.
 * libc (for kernel-confined paths) is loaded the first time a host with
 * preopens is made, once per isolate.
 *
 * @module
 */

import { jspi } from "../jspi.ts";
import { StringList } from "./_args.ts";
import { FdTable } from "./_fd_table.ts";
import { cpuTimeNs } from "../cpu_clock.ts";
import { createImports } from "./_imports.ts";
import type { WasiContext } from "./_context.ts";
import { requireConfinement } from "./_libc.ts";
import { GuestMemory } from "./_memory.ts";
import { pollOneoff, type Sleep } from "./_poll.ts";
import { type ByteSink, type ByteSource, OutputBuffer } from "./stdio.ts";
import { type BackendPreopen, KV_WRITING_CALLS, type KvSession } from "./kv.ts";

/**
 * A host directory the guest sees at `guestPath`, read-only unless
 * `writable`. Preopens get fds 3, 4, ... in the order given. Every guest
 * path under it is resolved by the kernel beneath the directory (Linux
 * openat2 RESOLVE_BENEATH, through FFI: `--allow-ffi`).
 *
 * @example
 * ```ts
 * import type { Preopen } from "./host.ts";
 * const data: Preopen = { hostPath: "/srv/data", guestPath: "/data", writable: false };
 * ```
 */
export interface Preopen {
  hostPath: string;
  guestPath: string;
  writable: boolean;
}

/**
 * What a guest is given. stdout and stderr default to unlimited
 * {@link OutputBuffer}s; stdin defaults to empty.
 *
 * @example
 * ```ts
 * import type { WasiOptions } from "./host.ts";
 * const options: WasiOptions = {
 *   args: ["echo", "-n"],
 *   env: { LANG: "C" },
 *   stdin: new TextEncoder().encode("hello"),
 * };
 * ```
 */
export interface WasiOptions {
  args?: string[];
  env?: Record<string, string>;
  stdin?: Uint8Array | ByteSource;
  stdout?: ByteSink;
  stderr?: ByteSink;
  /** Host directories, or directories of another backend (`kv.ts`). */
  preopens?: (Preopen | BackendPreopen)[];
  /**
   * Writes in flight on KV preopens: given, the calls that may start one
   * ({@linkcode KV_WRITING_CALLS}) suspend (JSPI) until they are durable,
   * and the guest must run through `startAsync`.
   */
  kvSession?: KvSession;
  /**
   * Given, `poll_oneoff` waits on clocks through it (JSPI: the guest is
   * suspended, the thread free), and the guest must run through
   * `startAsync`; without, such waits block the thread.
   */
  sleep?: Sleep;
  /**
   * Reuse import functions of earlier runs (whose fields are swapped for
   * this run's), when neither `sleep` nor `kvSession` is given. Only for a
   * caller that never calls the instance's exports after `start` returns:
   * they would then run against another guest's state.
   */
  reuseImports?: boolean;
  /**
   * The import functions to run with, the caller's own (see
   * {@linkcode wasiBinding}): an instance made once with `binding.imports`
   * runs again under each new host. Not with `sleep` or `kvSession`.
   */
  binding?: WasiBinding;
  /**
   * Count the CPU-time clocks from now, the run's start: the guest then
   * reads the CPU its run used (its worker thread's since then), not what
   * the node or the guests before it on that thread used, which would tell
   * one tenant about another's load. One clock read (~1.5 µs): give it for
   * modules that can read a clock ({@linkcode readsClocks}).
   */
  cpuClocksFromNow?: boolean;
}

/**
 * Thrown by `proc_exit` to unwind the guest; {@link WasiHost.start} catches
 * it and returns `code`. Internal: it never leaves `start()`.
 *
 * @example
 * ```ts
 * import { ProcExit } from "./host.ts";
 * const exit = new ProcExit(3);
 * console.log(exit.code); // 3
 * ```
 */
export class ProcExit extends Error {
  /** The exit code the guest passed (as an unsigned 32-bit value). */
  readonly code: number;
  constructor(code: number) {
    super(`guest exited with code ${code}`);
    this.name = "ProcExit";
    this.code = code;
  }
}

/** Throws ProcExit without capturing a stack (nobody reads it; it is slow). */
function exit(code: number): never {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let error: ProcExit;
  try {
    error = new ProcExit(code >>> 0);
  } finally {
    Error.stackTraceLimit = limit;
  }
  throw error;
}

/**
 * The WASI preview1 host of one guest run.
 *
 * @example
 * ```ts
 * import { OutputBuffer, WasiHost } from "./mod.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(module: WebAssembly.Module) {
 *   const stdout = new OutputBuffer(1 << 20);
 *   const host = new WasiHost({ args: ["echo"], stdin: new Uint8Array([104, 105]), stdout });
 *   const instance = new WebAssembly.Instance(module, host.imports);
 *   const code = host.start(instance);
 *   console.log(code, new TextDecoder().decode(stdout.bytes()));
 * }
 * ```
 */
export class WasiHost {
  /** `{ wasi_snapshot_preview1: {...} }`, to pass to `new WebAssembly.Instance`. */
  readonly imports: WebAssembly.Imports;
  /** Where the guest's stdout goes. */
  readonly stdout: ByteSink;
  /** Where the guest's stderr goes. */
  readonly stderr: ByteSink;
  readonly #mem = new GuestMemory();
  readonly #fds: FdTable;
  readonly #kv: KvSession | undefined;
  #binding: Binding | undefined;
  /** `#binding` is one of the isolate's, not the caller's: it goes back. */
  #pooledBinding = false;
  #started = false;
  readonly #ctx: WasiContext;
  /** The thread's CPU time when the guest was suspended; -1: running. */
  #suspendedAt = -1;

  /**
   * Throws `ConfinementUnavailable` when `options.preopens` is not empty
   * and the kernel cannot confine paths here: a mount is never served
   * unconfined.
   */
  constructor(options: WasiOptions = {}) {
    if (options.preopens?.some((p) => "hostPath" in p)) requireConfinement();
    const stdout = this.stdout = options.stdout ?? new OutputBuffer();
    const stderr = this.stderr = options.stderr ?? new OutputBuffer();
    const env = options.env;
    const environ: string[] = [];
    if (env !== undefined) {
      for (const key in env) environ.push(`${key}=${env[key]}`);
    }
    const ctx: WasiContext = {
      mem: this.#mem,
      fds: this.#fds = new FdTable(
        options.stdin,
        stdout,
        stderr,
        options.preopens ?? [],
      ),
      args: new StringList(options.args ?? []),
      env: new StringList(environ),
      cpuOrigin: options.cpuClocksFromNow ? Math.max(0, cpuTimeNs(true)) : 0,
    };
    const sleep = options.sleep;
    const session = this.#kv = options.kvSession;
    if (options.binding && (sleep || session)) {
      throw new TypeError("a caller's binding runs no guest that suspends");
    }
    if (options.binding || (options.reuseImports && !sleep && !session)) {
      const binding = (options.binding as Binding | undefined) ??
        idleBindings.pop() ?? newBinding();
      this.#pooledBinding = options.binding === undefined;
      Object.assign(binding.ctx, ctx);
      this.#binding = binding;
      this.#ctx = binding.ctx;
      this.imports = binding.imports;
      return;
    }
    this.#ctx = ctx;
    const calls: Record<string, unknown> = createImports(ctx, exit);
    if (sleep) {
      const asleep: Sleep = (ms) => this.#whileSuspended(sleep(ms));
      calls.poll_oneoff = new jspi.Suspending(
        ((i: number, o: number, n: number, r: number) =>
          pollOneoff(ctx, i, o, n, r, asleep)) as (
            ...args: number[]
          ) => Promise<number>,
      );
    }
    if (session) {
      for (const name of KV_WRITING_CALLS) {
        const call = calls[name] as (...args: unknown[]) => number;
        // Returns a promise (and so suspends) only when a write was started.
        const awaiting = (...args: unknown[]) => {
          const result = call(...args);
          return session.busy
            ? this.#whileSuspended(session.drain(result))
            : result;
        };
        calls[name] = new jspi.Suspending(
          awaiting as (...args: unknown[]) => Promise<number>,
        );
      }
    }
    this.imports = {
      wasi_snapshot_preview1: calls as WebAssembly.ModuleImports,
    };
  }

  /**
   * Runs the guest: binds its exported `memory`, calls `_start`, and returns
   * the exit code (0 when `_start` returns, else what it passed to
   * `proc_exit`). Host files it opened are closed either way. A trap
   * (`WebAssembly.RuntimeError`) or an error thrown by a sink (such as
   * `OutputLimitError`) is rethrown. A host runs one instance, once.
   */
  start(instance: WebAssembly.Instance): number {
    const _start = this.#bind(instance);
    try {
      _start();
      return 0;
    } catch (error) {
      return this.#exitCode(error);
    } finally {
      this.#fds.closeAll();
      this.#release();
    }
  }

  /**
   * {@linkcode WasiHost.start} for a guest with imports that suspend (JSPI,
   * `WebAssembly.Suspending`): `_start` runs through
   * `WebAssembly.promising`, so the guest can wait on the host's I/O
   * without blocking the isolate.
   *
   * @example
   * ```ts ignore
   * const code = await host.startAsync(instance);
   * ```
   */
  async startAsync(instance: WebAssembly.Instance): Promise<number> {
    const _start = jspi.promising(this.#bind(instance));
    try {
      await _start();
      return 0;
    } catch (error) {
      return this.#exitCode(error);
    } finally {
      this.#fds.closeAll();
      this.#release();
      // Files left open are put back as on close; wait until they are.
      await this.#kv?.drain(0);
    }
  }

  /**
   * Told that the guest is suspended (JSPI: asleep, in a call, waiting for
   * a write): until {@linkcode resumeCpu}, what its thread spends on other
   * runs stays out of this run's CPU-time clocks, which would otherwise
   * tell one tenant about another's work.
   */
  suspendCpu(): void {
    if (this.#ctx.cpuOrigin !== 0 && this.#suspendedAt < 0) {
      this.#suspendedAt = cpuTimeNs(true);
    }
  }

  /** Told that the guest runs again (see {@linkcode suspendCpu}). */
  resumeCpu(): void {
    const at = this.#suspendedAt;
    if (at < 0) return;
    this.#suspendedAt = -1;
    const now = cpuTimeNs(true);
    if (now >= 0) this.#ctx.cpuOrigin += now - at;
  }

  #whileSuspended<T>(wait: Promise<T>): Promise<T> {
    this.suspendCpu();
    return wait.finally(() => this.resumeCpu());
  }

  #bind(instance: WebAssembly.Instance): () => void {
    if (this.#started) throw new Error("this WasiHost has already run a guest");
    this.#started = true;
    const { memory, _start } = instance.exports;
    if (!(memory instanceof WebAssembly.Memory)) {
      throw new TypeError("the instance exports no memory named 'memory'");
    }
    if (typeof _start !== "function") {
      throw new TypeError("the instance exports no function named '_start'");
    }
    this.#mem.bind(memory);
    return _start as () => void;
  }

  /** Gives a reused binding back, holding nothing of this run. */
  #release(): void {
    const binding = this.#binding;
    if (!binding) return;
    this.#binding = undefined;
    Object.assign(binding.ctx, vacant ??= vacantContext());
    if (this.#pooledBinding && idleBindings.length < IDLE_BINDINGS) {
      idleBindings.push(binding);
    }
  }

  #exitCode(error: unknown): number {
    if (error instanceof ProcExit) return error.code;
    throw error;
  }
}

/**
 * One set of import functions over a context whose fields are swapped per
 * run: building the 46 functions and their object for every run was a
 * large share of a small invocation's allocations.
 */
interface Binding {
  ctx: { -readonly [K in keyof WasiContext]: WasiContext[K] };
  imports: WebAssembly.Imports;
}

/**
 * Import functions whose context a {@linkcode WasiHost} fills for its run,
 * kept by a caller that runs one instance again and again (the instance is
 * bound to the functions it was made with).
 */
export interface WasiBinding {
  /** `{ wasi_snapshot_preview1: {...} }`, to make the instance with. */
  readonly imports: WebAssembly.Imports;
}

/**
 * A binding of the caller's own, for {@linkcode WasiOptions.binding}.
 *
 * @example
 * ```ts
 * import { OutputBuffer, WasiHost, wasiBinding } from "./mod.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(instance: WebAssembly.Instance, stdin: Uint8Array) {
 *   const binding = wasiBinding(); // made once: `instance` used its imports
 *   const stdout = new OutputBuffer(1 << 20);
 *   return new WasiHost({ binding, stdin, stdout }).start(instance);
 * }
 * ```
 */
export function wasiBinding(): WasiBinding {
  return newBinding();
}

/** Bindings of finished runs, for the next runs that reuse imports. */
const idleBindings: Binding[] = [];
/** More than the runs of one isolate that are suspended at once, usually. */
const IDLE_BINDINGS = 16;
/** What a binding points at between runs: nothing of any guest. */
let vacant: WasiContext | undefined;

function vacantContext(): WasiContext {
  const none = new OutputBuffer(0);
  return {
    mem: new GuestMemory(),
    fds: new FdTable(undefined, none, none, []),
    args: new StringList([]),
    env: new StringList([]),
    cpuOrigin: 0,
  };
}

function newBinding(): Binding {
  const ctx = { ...(vacant ??= vacantContext()) };
  return {
    ctx,
    imports: {
      wasi_snapshot_preview1: createImports(
        ctx,
        exit,
      ) as WebAssembly.ModuleImports,
    },
  };
}

/**
 * Whether `module` imports `poll_oneoff`, so that it may wait: such a
 * guest, given a `sleep`, must run through `startAsync`.
 *
 * @example
 * ```ts
 * import { importsPollOneoff } from "./host.ts";
 * const module = await WebAssembly.compile(await Deno.readFile("examples/echo/echo.wasm"));
 * console.log(importsPollOneoff(module)); // false
 * ```
 */
export function importsPollOneoff(module: WebAssembly.Module): boolean {
  return preview1Imports(module).has("poll_oneoff");
}

/**
 * Whether `module` can read a clock: it imports `clock_time_get` or
 * `poll_oneoff` (whose timeouts may be on a CPU-time clock).
 *
 * @example
 * ```ts
 * import { readsClocks } from "./host.ts";
 * const module = await WebAssembly.compile(await Deno.readFile("examples/echo/echo.wasm"));
 * console.log(readsClocks(module)); // false
 * ```
 */
export function readsClocks(module: WebAssembly.Module): boolean {
  const names = preview1Imports(module);
  return names.has("clock_time_get") || names.has("poll_oneoff");
}

/** The `wasi_snapshot_preview1` functions `module` imports, read once. */
function preview1Imports(module: WebAssembly.Module): ReadonlySet<string> {
  let names = preview1Names.get(module);
  if (names === undefined) {
    names = new Set(
      WebAssembly.Module.imports(module)
        .filter((i) => i.module === "wasi_snapshot_preview1")
        .map((i) => i.name),
    );
    preview1Names.set(module, names);
  }
  return names;
}

const preview1Names = new WeakMap<WebAssembly.Module, ReadonlySet<string>>();
