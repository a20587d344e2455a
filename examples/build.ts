/**
 * Rebuilds the example guest functions from source: `examples/<name>/<name>.wasm`.
 *
 * ```sh
 * deno task build:examples                    # rebuild all, write the .wasm files
 * deno run -A examples/build.ts echo sha256   # rebuild only these
 * deno run -A examples/build.ts --check       # rebuild in a temp dir, compare with the committed .wasm
 * ```
 *
 * Toolchains (the exact versions the committed modules were built with):
 * - C: Debian `clang` 14, `lld`, `wasi-libc`, `libclang-rt-14-dev-wasm32`.
 * - Rust: Debian `rustc` 1.63 with `libstd-rust-dev-wasm32`, called as
 *   /usr/bin/rustc (never a rustup proxy), no crates.
 * - AssemblyScript: npm `assemblyscript@0.28.20` and
 *   `@assemblyscript/wasi-shim@0.1.0`, installed by Deno into a temporary
 *   directory (nothing is written to the repository besides the .wasm files).
 *
 * Builds are reproducible: sources are compiled by relative path from a fixed
 * working directory and intermediate files live in a temporary directory, so
 * the output does not depend on where the repository is checked out.
 *
 * @module
 */

/** The source language of an example, which decides its toolchain. */
export type Lang = "c" | "rust" | "as";

/** One example function: `examples/<name>/<name>.<ext>` → `<name>.wasm`. */
export interface Example {
  /** Folder, source and module base name. */
  name: string;
  /** Source language. */
  lang: Lang;
  /** Folder under examples/ holding `<name>/`, for an application's functions. */
  app?: string;
}

/** Every example, in the order they are built and listed. */
export const EXAMPLES: readonly Example[] = [
  { name: "echo", lang: "c" },
  { name: "uppercase", lang: "as" },
  { name: "sha256", lang: "rust" },
  { name: "wordcount", lang: "as" },
  { name: "primes", lang: "rust" },
  { name: "notes", lang: "c" },
  { name: "env", lang: "c" },
  { name: "hog", lang: "c" },
  { name: "spin", lang: "c" },
  { name: "fail", lang: "c" },
  { name: "relay", lang: "c" },
  { name: "pipeline", lang: "as" },
  { name: "counter", lang: "c" },
  { name: "tally", lang: "as" },
  { name: "guestbook", lang: "rust" },
  { name: "ingest", lang: "c", app: "enoki" },
  { name: "alert", lang: "c", app: "enoki" },
  { name: "report", lang: "c", app: "enoki" },
];

/** Where example `ex` lives, relative to examples/. */
function folderOf(ex: Example): string {
  return ex.app ? `${ex.app}/${ex.name}` : ex.name;
}

const EXT: Record<Lang, string> = { c: "c", rust: "rs", as: "ts" };

/** npm packages of the AssemblyScript toolchain, pinned exactly. */
export const AS_PACKAGES = {
  assemblyscript: "npm:assemblyscript@0.28.20",
  "@assemblyscript/wasi-shim": "npm:@assemblyscript/wasi-shim@0.1.0",
} as const;

const CLANG_FLAGS = [
  "--target=wasm32-wasi",
  "--sysroot=/usr",
  "-Oz",
  "-Wall",
  "-Wextra",
  "-Wl,--strip-all",
];
const RUSTC = "/usr/bin/rustc";
const RUSTC_FLAGS = [
  "--target=wasm32-wasi",
  "--edition=2021",
  "-Copt-level=s",
  "-Clto",
  "-Ccodegen-units=1",
  "-Cstrip=symbols",
];
const ASC_FLAGS = [
  "--config",
  "node_modules/@assemblyscript/wasi-shim/asconfig.json",
  "--runtime",
  "stub",
  "-O3",
];

/** A failure that is reported as one clear message, without a stack trace. */
export class BuildError extends Error {
  override name = "BuildError";
}

const EXAMPLES_DIR = import.meta.dirname!;

/** The environment for toolchains: PATH without rustup's ~/.cargo/bin. */
function toolEnv(): Record<string, string> {
  const path = (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":")
    .filter((dir) =>
      dir !== "" && !dir.includes(".cargo/bin") && !dir.includes(".rustup")
    );
  return { PATH: path.join(":") };
}

/**
 * Runs a command and returns its stdout (its stderr, such as compiler warnings,
 * is passed through); throws a {@link BuildError} with stderr when it fails, or
 * with `missing` when the program is not installed.
 */
async function run(
  cmd: string,
  args: string[],
  cwd: string,
  missing: string,
): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, {
      args,
      cwd,
      env: toolEnv(),
      stdin: "null",
    }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new BuildError(`${cmd} not found: ${missing}`);
    }
    throw e;
  }
  const dec = new TextDecoder();
  if (!out.success) {
    throw new BuildError(
      `${cmd} ${args.join(" ")} (in ${cwd}) failed:\n${dec.decode(out.stderr)}`,
    );
  }
  const warnings = dec.decode(out.stderr).trim();
  if (warnings !== "") console.error(warnings); // e.g. compiler warnings
  return dec.decode(out.stdout);
}

/** True when `path` exists. */
async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Checks clang, wasm-ld, wasi-libc and compiler-rt for wasm32-wasi. */
async function checkClang(tmp: string): Promise<void> {
  const pkgs = "apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32";
  await run("clang", ["--version"], tmp, `install Debian's clang (${pkgs})`);
  await run("wasm-ld", ["--version"], tmp, `install Debian's lld (${pkgs})`);
  if (!await exists("/usr/lib/wasm32-wasi/libc.a")) {
    throw new BuildError(
      `wasi-libc not found (/usr/lib/wasm32-wasi/libc.a): ${pkgs}`,
    );
  }
  const rt =
    (await run("clang", [...CLANG_FLAGS, "-print-libgcc-file-name"], tmp, pkgs))
      .trim();
  if (!await exists(rt)) {
    throw new BuildError(`compiler-rt for wasm32 not found (${rt}): ${pkgs}`);
  }
}

/** Checks Debian's rustc and its wasm32-wasi standard library. */
async function checkRustc(tmp: string): Promise<void> {
  const pkgs = "apt-get install rustc libstd-rust-dev-wasm32";
  const sysroot = (await run(
    RUSTC,
    ["--print", "sysroot"],
    tmp,
    `install Debian's rustc (${pkgs})`,
  )).trim();
  if (!await exists(`${sysroot}/lib/rustlib/wasm32-wasi/lib`)) {
    throw new BuildError(
      `Rust std for wasm32-wasi not found under ${sysroot}/lib/rustlib: ${pkgs}`,
    );
  }
}

/**
 * Installs the pinned AssemblyScript packages into `dir` (its own deno.json
 * and node_modules, so the repository's config and lockfile stay untouched).
 */
async function setUpAssemblyScript(dir: string): Promise<void> {
  await Deno.mkdir(dir);
  const config = { nodeModulesDir: "auto", imports: AS_PACKAGES };
  await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify(config, null, 2));
  const pkgs = Object.values(AS_PACKAGES).join(" and ");
  try {
    await run(Deno.execPath(), ["install", "--quiet"], dir, "deno is needed");
  } catch (e) {
    throw new BuildError(
      `could not install ${pkgs} from the npm registry:\n${
        (e as Error).message
      }`,
    );
  }
}

/** Compiles one example into `outFile`, using the toolchains prepared in `tmp`. */
async function compile(
  ex: Example,
  outFile: string,
  tmp: string,
): Promise<void> {
  const dir = `${EXAMPLES_DIR}/${folderOf(ex)}`;
  const src = `${ex.name}.${EXT[ex.lang]}`;
  if (!await exists(`${dir}/${src}`)) {
    throw new BuildError(`missing source ${dir}/${src}`);
  }
  switch (ex.lang) {
    case "c":
      await run(
        "clang",
        [...CLANG_FLAGS, src, "-o", outFile],
        dir,
        "apt-get install clang",
      );
      break;
    case "rust":
      await run(
        RUSTC,
        [...RUSTC_FLAGS, src, "-o", outFile],
        dir,
        "apt-get install rustc",
      );
      break;
    case "as": {
      // asc resolves the shim's library relative to its working directory, and
      // embeds the source path in abort messages: compile a copy, by name,
      // from inside the toolchain directory.
      const tc = `${tmp}/asc`;
      await Deno.copyFile(`${dir}/${src}`, `${tc}/${src}`);
      const asc = `${AS_PACKAGES.assemblyscript}/asc`;
      await run(
        Deno.execPath(),
        ["run", "-A", "--quiet", asc, src, ...ASC_FLAGS, "-o", outFile],
        tc,
        "deno",
      );
      break;
    }
  }
}

/** Lowercase hex SHA-256 of `data`. */
async function sha256(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return digest.toHex();
}

/** What {@link build} did for one example. */
export interface Built {
  example: Example;
  /** Size of the module in bytes. */
  size: number;
  /** Lowercase hex SHA-256 of the module. */
  sha256: string;
  /** `--check` only: whether the committed module has the same bytes. */
  matches?: boolean;
}

/**
 * Builds `examples` and writes each `<name>.wasm` next to its source, or,
 * with `check`, compares them with the committed modules instead.
 */
export async function build(
  examples: readonly Example[],
  check: boolean,
): Promise<Built[]> {
  const tmp = await Deno.makeTempDir({ prefix: "eddy-examples-" });
  try {
    const langs = new Set(examples.map((ex) => ex.lang));
    if (langs.has("c")) await checkClang(tmp);
    if (langs.has("rust")) await checkRustc(tmp);
    if (langs.has("as")) await setUpAssemblyScript(`${tmp}/asc`);

    const results: Built[] = [];
    for (const ex of examples) {
      const outFile = `${tmp}/${ex.name}.wasm`;
      await compile(ex, outFile, tmp);
      const bytes = await Deno.readFile(outFile);
      const target = `${EXAMPLES_DIR}/${folderOf(ex)}/${ex.name}.wasm`;
      const built: Built = {
        example: ex,
        size: bytes.length,
        sha256: await sha256(bytes),
      };
      if (check) {
        const old = await exists(target)
          ? await sha256(await Deno.readFile(target))
          : "";
        built.matches = old === built.sha256;
      } else {
        await Deno.writeFile(target, bytes);
      }
      results.push(built);
    }
    return results;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/** Command line: `[--check] [name...]`. */
async function main(args: string[]): Promise<number> {
  const check = args.includes("--check");
  const names = args.filter((a) => a !== "--check");
  const unknown = names.filter((n) => !EXAMPLES.some((ex) => ex.name === n));
  if (unknown.length > 0) {
    console.error(
      `unknown example(s): ${unknown.join(", ")}; known: ${
        EXAMPLES.map((ex) => ex.name).join(", ")
      }`,
    );
    return 2;
  }
  const selected = names.length > 0
    ? EXAMPLES.filter((ex) => names.includes(ex.name))
    : EXAMPLES;
  let results: Built[];
  try {
    results = await build(selected, check);
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    console.error(`build:examples: ${e.message}`);
    return 1;
  }
  for (const r of results) {
    const path = `${folderOf(r.example)}/${r.example.name}.wasm`;
    const status = r.matches === undefined
      ? ""
      : r.matches
      ? "  same"
      : "  DIFFERS from committed";
    console.log(
      `${path.padEnd(24)} ${r.example.lang.padEnd(4)} ${
        String(r.size).padStart(7)
      } B  ${r.sha256.slice(0, 16)}${status}`,
    );
  }
  const differ = results.filter((r) => r.matches === false);
  if (differ.length > 0) {
    console.error(
      `${differ.length} module(s) differ from the committed ones; run: deno task build:examples`,
    );
    return 1;
  }
  console.log(
    check
      ? `${results.length} modules match their sources`
      : `built ${results.length} modules`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
