/**
 * An aarch64 `deno` that runs on this x86_64 machine under user-mode QEMU:
 * the binary comes from the npm registry (`@deno/linux-arm64-glibc`, the
 * package npm's own `deno` installs on arm64), the emulator and the arm64
 * C libraries from Debian.
 *
 * @module
 */
import { homedir } from "node:os";

/** The newest arm64 deno published on npm when this was written. */
export const AARCH64_DENO_VERSION = "2.9.5";

/** Where Debian's cross packages put the arm64 libc and loader. */
export const AARCH64_SYSROOT = "/usr/aarch64-linux-gnu";

/** Debian packages the emulated deno needs (libgcc_s is a deno dependency). */
export const AARCH64_APT_PACKAGES = [
  "qemu-user",
  "libc6-arm64-cross",
  "libgcc-s1-arm64-cross",
];

/**
 * Something this machine lacks to run the check (not a defect of eddy):
 * a missing package, or a registry that could not be reached.
 *
 * @example
 * ```ts ignore
 * throw new Unavailable("qemu-aarch64 is not installed");
 * ```
 */
export class Unavailable extends Error {}

/**
 * Throws {@linkcode Unavailable}, naming the packages to install, when the
 * emulator or the arm64 libraries are missing.
 *
 * @example
 * ```ts ignore
 * await requireEmulator();
 * ```
 */
export async function requireEmulator(): Promise<void> {
  const missing: string[] = [];
  if (!await succeeds("qemu-aarch64", ["--version"])) missing.push("qemu-user");
  for (const lib of ["ld-linux-aarch64.so.1", "libgcc_s.so.1"]) {
    if (!await exists(`${AARCH64_SYSROOT}/lib/${lib}`)) missing.push(lib);
  }
  if (missing.length) {
    throw new Unavailable(
      `missing ${
        missing.join(", ")
      }; as root: apt-get update && apt-get install -y ${
        AARCH64_APT_PACKAGES.join(" ")
      }`,
    );
  }
}

/**
 * The path of an aarch64 deno `version`, fetched with `npm pack` into
 * `~/.cache/eddy/` the first time. Throws {@linkcode Unavailable} when npm
 * cannot fetch it.
 *
 * @example
 * ```ts ignore
 * const deno = await aarch64Deno();
 * const args = ["-L", AARCH64_SYSROOT, deno, "--version"];
 * ```
 */
export async function aarch64Deno(
  version = AARCH64_DENO_VERSION,
): Promise<string> {
  const root = `${
    Deno.env.get("XDG_CACHE_HOME") ?? `${homedir()}/.cache`
  }/eddy`;
  const cache = `${root}/deno-aarch64-${version}`;
  const binary = `${cache}/deno`;
  if (await exists(binary)) return binary;
  await Deno.mkdir(root, { recursive: true });
  // Unpacked beside the cache, so that the final rename stays on one file system.
  const work = await Deno.makeTempDir({ dir: root, prefix: ".fetch-" });
  try {
    const pkg = `@deno/linux-arm64-glibc@${version}`;
    const pack = await run("npm", [
      "pack",
      "--silent",
      pkg,
      "--pack-destination",
      work,
    ]);
    if (!pack.ok) throw new Unavailable(`npm pack ${pkg}: ${pack.stderr}`);
    const tarball = pack.stdout.trim().split("\n").pop()!;
    const untar = await run("tar", ["-xzf", `${work}/${tarball}`, "-C", work]);
    if (!untar.ok) throw new Error(`unpacking ${tarball}: ${untar.stderr}`);
    await Deno.mkdir(cache, { recursive: true });
    // Renamed last, so an interrupted fetch never leaves a partial binary.
    await Deno.rename(`${work}/package/deno`, binary);
    return binary;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function succeeds(command: string, args: string[]): Promise<boolean> {
  try {
    return (await run(command, args)).ok;
  } catch {
    return false; // not installed
  }
}

async function run(
  command: string,
  args: string[],
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const out = await new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    ok: out.success,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr).trim(),
  };
}
