/**
 * The C library, for what Deno has no API for (CPU clocks, scheduling
 * policies, `openat2`). Each user opens the symbols it needs; a second
 * open of libc.so.6 only counts a reference.
 *
 * @module
 */

/**
 * `symbols` from libc.so.6, or why they cannot be had: not Linux, FFI not
 * permitted (no `--allow-ffi`), or the library missing.
 *
 * @example
 * ```ts
 * import { openLibc } from "./libc.ts";
 * const libc = openLibc({ getpid: { parameters: [], result: "i32" } });
 * console.log(typeof libc === "string" ? libc : libc.getpid() === Deno.pid);
 * ```
 */
export function openLibc<const S extends Deno.ForeignLibraryInterface>(
  symbols: S,
): Deno.DynamicLibrary<S>["symbols"] | string {
  if (Deno.build.os !== "linux") return `the OS is ${Deno.build.os}, not Linux`;
  try {
    return Deno.dlopen("libc.so.6", symbols).symbols;
  } catch (e) {
    return e instanceof Deno.errors.NotCapable ||
        e instanceof Deno.errors.PermissionDenied
      ? "FFI is not permitted (run deno with --allow-ffi)"
      : `libc.so.6 cannot be loaded (${(e as Error).message})`;
  }
}
