/**
 * Test guests for the WASI host: `runWat` runs a real WAT command module;
 * `withGuest` runs a tiny module whose `_start` calls back into the test, so
 * that the test can call WASI imports directly with exact arguments and
 * inspect guest memory.
 *
 * @module
 */
import { wat } from "../../_helpers/wat.ts";
import {
  OutputBuffer,
  WasiHost,
  type WasiOptions,
} from "../../../runtime/wasi/mod.ts";

/** Declarations of the preview1 imports WAT test guests may use. */
export const WASI_IMPORTS = `
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
`;

/** Compiles a complete WAT module. */
export function compile(source: string): WebAssembly.Module {
  return new WebAssembly.Module(wat(source) as Uint8Array<ArrayBuffer>);
}

const compiled = new Map<string, WebAssembly.Module>();

/** Compiles (once per source) a module of WASI_IMPORTS + `body`. */
export function watModule(body: string): WebAssembly.Module {
  let module = compiled.get(body);
  if (module === undefined) {
    module = compile(`(module ${WASI_IMPORTS} ${body})`);
    compiled.set(body, module);
  }
  return module;
}

/** What a run produced. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  host: WasiHost;
}

/** Runs a WAT command module (body after the imports) under a fresh host. */
export function runWat(body: string, options: WasiOptions = {}): RunResult {
  const stdout = options.stdout ?? new OutputBuffer();
  const stderr = options.stderr ?? new OutputBuffer();
  const host = new WasiHost({ ...options, stdout, stderr });
  const instance = new WebAssembly.Instance(watModule(body), host.imports);
  const code = host.start(instance);
  const text = (sink: unknown) =>
    sink instanceof OutputBuffer ? new TextDecoder().decode(sink.bytes()) : "";
  return { code, stdout: text(stdout), stderr: text(stderr), host };
}

type WasiFn = (...args: (number | bigint)[]) => number;

/** A guest the test drives from JS while its `_start` runs. */
export interface Guest {
  host: WasiHost;
  memory: WebAssembly.Memory;
  /** Calls a preview1 import by name. */
  call(name: string, ...args: (number | bigint)[]): number;
  /** Live byte view (re-created on every access, so growth is seen). */
  readonly u8: Uint8Array;
  /** Live DataView. */
  readonly view: DataView;
  /** Writes UTF-8 text at `ptr`; answers its byte length. */
  put(ptr: number, text: string): number;
  /** Reads `len` bytes at `ptr` as UTF-8. */
  text(ptr: number, len: number): string;
  u32(ptr: number): number;
  u64(ptr: number): bigint;
  /** Grows memory by `pages` (detaching the old buffer). */
  grow(pages: number): void;
  /** Writes an iovec array at `at` naming the given [ptr, len] buffers. */
  iovs(at: number, ...buffers: [number, number][]): number;
}

const DRIVER = `(module
  (import "test" "run" (func $run))
  (import "env" "memory" (memory 1))
  (export "memory" (memory 0))
  (func (export "_start") (call $run)))`;
let driver: WebAssembly.Module | undefined;

/** Runs `body` inside a guest's `_start`; answers start()'s exit code. */
export function withGuest(
  options: WasiOptions,
  body: (guest: Guest) => void,
): number {
  driver ??= compile(DRIVER);
  const host = new WasiHost(options);
  const fns = host.imports.wasi_snapshot_preview1 as Record<string, WasiFn>;
  const memory = new WebAssembly.Memory({ initial: 1 });
  const encoder = new TextEncoder();
  const guest: Guest = {
    host,
    memory,
    call: (name, ...args) => {
      const fn = fns[name];
      if (fn === undefined) throw new Error(`no import ${name}`);
      return fn(...args);
    },
    get u8() {
      return new Uint8Array(memory.buffer);
    },
    get view() {
      return new DataView(memory.buffer);
    },
    put(ptr, text) {
      const bytes = encoder.encode(text);
      new Uint8Array(memory.buffer).set(bytes, ptr);
      return bytes.length;
    },
    text: (ptr, len) =>
      new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len)),
    u32: (ptr) => new DataView(memory.buffer).getUint32(ptr, true),
    u64: (ptr) => new DataView(memory.buffer).getBigUint64(ptr, true),
    grow: (pages) => void memory.grow(pages),
    iovs(at, ...buffers) {
      const view = new DataView(memory.buffer);
      buffers.forEach(([ptr, len], i) => {
        view.setUint32(at + i * 8, ptr, true);
        view.setUint32(at + i * 8 + 4, len, true);
      });
      return buffers.length;
    },
  };
  const instance = new WebAssembly.Instance(driver, {
    ...host.imports,
    test: { run: () => body(guest) },
    env: { memory },
  });
  return host.start(instance);
}

/** Bytes of a host OutputBuffer sink as text. */
export function textOf(sink: unknown): string {
  if (!(sink instanceof OutputBuffer)) throw new Error("not an OutputBuffer");
  return new TextDecoder().decode(sink.bytes());
}
