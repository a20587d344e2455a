/**
 * The other runtimes the benchmarks measure eddy against, installed on
 * demand into a cache outside the repository (never a package.json here):
 * `workerd` from npm (its platform package ships the binary) and
 * `libwasmtime.so` from the pip `wasmtime` package (it ships no C headers;
 * bench/_wasmtime_echo.c declares what it uses), with the C harness built
 * against it. A benchmark run installs
 * what is missing; the harness test only uses what is already there
 * (`deno task bench:peers` installs them).
 *
 * @module
 */
import { homedir } from "node:os";
import { ROOT } from "./_nodes.ts";

/** The npm `workerd` release measured (its binary reports the date). */
export const WORKERD_VERSION = "1.20261117.1";
/** The pip `wasmtime` release whose libwasmtime.so the C harness links. */
export const WASMTIME_VERSION = "49.0.0";

/**
 * Where peers are installed: `$EDDY_BENCH_CACHE`, else
 * `$XDG_CACHE_HOME/eddy-bench`, else `~/.cache/eddy-bench`.
 *
 * @example
 * ```ts
 * import { peerCache } from "./peers.ts";
 * console.log(peerCache().endsWith("eddy-bench") || Deno.env.has("EDDY_BENCH_CACHE")); // true
 * ```
 */
export function peerCache(): string {
  return Deno.env.get("EDDY_BENCH_CACHE") ??
    `${Deno.env.get("XDG_CACHE_HOME") ?? `${homedir()}/.cache`}/eddy-bench`;
}

/** A peer found (`path`) or why it is not there (`missing`). */
export type Found = { path: string } | { missing: string };

/**
 * The workerd binary: found in the cache, else (with `install`) installed
 * there with `npm install --prefix`.
 *
 * @example
 * ```ts ignore
 * const workerd = await findWorkerd({ install: true });
 * if ("path" in workerd) console.log(workerd.path);
 * ```
 */
export async function findWorkerd(
  options: { install: boolean },
): Promise<Found> {
  const prefix = `${peerCache()}/workerd-${WORKERD_VERSION}`;
  const scope = `${prefix}/node_modules/@cloudflare`;
  const binary = async () => {
    try {
      for await (const entry of Deno.readDir(scope)) {
        // The platform package npm chose: workerd-linux-64, -linux-arm64, …
        const path = `${scope}/${entry.name}/bin/workerd`;
        if (entry.name.startsWith("workerd-") && await isFile(path)) {
          return path;
        }
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  };
  const found = await binary();
  if (found) return { path: found };
  if (!options.install) {
    return {
      missing:
        `workerd ${WORKERD_VERSION} is not installed in ${prefix} (deno task bench:peers installs it)`,
    };
  }
  const why = await run("npm", [
    "install",
    "--prefix",
    prefix,
    "--no-save",
    "--no-audit",
    "--no-fund",
    `workerd@${WORKERD_VERSION}`,
  ]);
  const installed = await binary();
  return installed
    ? { path: installed }
    : { missing: `npm could not install workerd ${WORKERD_VERSION}: ${why}` };
}

/**
 * libwasmtime.so of the pip `wasmtime` package: found in the cache, else
 * (with `install`) installed there with `pip install --target`.
 *
 * @example
 * ```ts ignore
 * const lib = await findLibwasmtime({ install: false });
 * if ("missing" in lib) console.log(lib.missing);
 * ```
 */
export async function findLibwasmtime(
  options: { install: boolean },
): Promise<Found> {
  const target = `${peerCache()}/wasmtime-py-${WASMTIME_VERSION}`;
  const library = async () => {
    const dir = `${target}/wasmtime`;
    try {
      for await (const entry of Deno.readDir(dir)) {
        // linux-x86_64, linux-aarch64, …
        const path = `${dir}/${entry.name}/_libwasmtime.so`;
        if (entry.isDirectory && await isFile(path)) return path;
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  };
  const found = await library();
  if (found) return { path: found };
  if (!options.install) {
    return {
      missing:
        `pip wasmtime ${WASMTIME_VERSION} is not installed in ${target} (deno task bench:peers installs it)`,
    };
  }
  let why = "";
  for (const pip of ["pip3", "pip"]) {
    why = await run(pip, [
      "install",
      "--quiet",
      "--disable-pip-version-check",
      "--target",
      target,
      `wasmtime==${WASMTIME_VERSION}`,
    ]);
    if (!why) break;
  }
  const installed = await library();
  return installed
    ? { path: installed }
    : { missing: `pip could not install wasmtime ${WASMTIME_VERSION}: ${why}` };
}

/**
 * The wasmtime C harness (bench/_wasmtime_echo.c), built with the system
 * `cc` against {@linkcode findLibwasmtime}'s library into the cache when
 * it is not built yet for this source and library (building it is not an
 * install: without `install` it is still built when the library is there).
 *
 * @example
 * ```ts ignore
 * const harness = await findWasmtimeHarness({ install: false });
 * if ("path" in harness) console.log(harness.path);
 * ```
 */
export async function findWasmtimeHarness(
  options: { install: boolean },
): Promise<Found> {
  const found = await findLibwasmtime(options);
  if ("missing" in found) return found;
  const library = found.path;
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
  // Built aside and renamed, so that a concurrent run never sees half a binary.
  const building = `${binary}.${Deno.pid}`;
  const why = await run("cc", [
    "-O2",
    "-o",
    building,
    `${ROOT}bench/_wasmtime_echo.c`,
    library,
    `-Wl,-rpath,${libDir}`,
  ]);
  if (why) {
    return { missing: `cc could not build bench/_wasmtime_echo.c: ${why}` };
  }
  await Deno.rename(building, binary);
  return { path: binary };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** Runs a command; resolves to "" on success, else to what went wrong. */
async function run(command: string, args: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (out.success) return "";
    return new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3)
      .join(" ") || `${command} exited ${out.code}`;
  } catch (error) {
    return `${command}: ${(error as Error).message}`;
  }
}

if (import.meta.main) {
  // `deno task bench:peers`: install both now (CI does, before the bench test).
  let failed = false;
  for (
    const [name, found] of [
      ["workerd", await findWorkerd({ install: true })],
      ["wasmtime harness", await findWasmtimeHarness({ install: true })],
    ] as const
  ) {
    if ("path" in found) console.log(`${name}: ${found.path}`);
    else {
      console.error(found.missing);
      failed = true;
    }
  }
  if (failed) Deno.exit(1);
}
