/**
 * The `deno` arguments that serve the single-file bundle `file` with reads
 * allowed only inside `tmp` and writes only to `tmp/data` (its data dir): a
 * bundle that loaded a source file (a worker, the NATS store, a module)
 * fails there instead of passing by reading the tree. `serve` flags follow
 * in `flags`.
 *
 * @example
 * ```ts ignore
 * await startServe(Deno.execPath(), confinedBundle(tmp, file, ["--workers", "1"]), { cwd });
 * ```
 */
export function confinedBundle(
  tmp: string,
  file: string,
  flags: string[],
): string[] {
  return [
    "run",
    "--allow-net",
    "--allow-env",
    "--allow-sys",
    // Mounts are confined by the kernel through libc (openat2), in workers.
    "--allow-ffi",
    `--allow-read=${tmp}`,
    `--allow-write=${tmp}/data`,
    file,
    "serve",
    "--port",
    "0",
    "--data-dir",
    `${tmp}/data`,
    ...flags,
  ];
}
