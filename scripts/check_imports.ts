/**
 * The import rules of the tree, checked on the module graph that
 * `deno info --json` reports for every TypeScript file of the tree (the
 * CLI, the library door, the workers, benchmarks, scripts and tests):
 *
 * - no import circle among the product's files (all but tests/, bench/ and
 *   scripts/), counting the imports that load code: an `import type` is
 *   erased before the code runs, so two files of one concept may name each
 *   other's types;
 * - a `_`-prefixed file is private to its folder: only files of that same
 *   folder import it (a test of a private file sits beside it, as in
 *   Deno's std; a shared test helper is a public file in tests/_helpers/).
 *
 * `deno run -A scripts/check_imports.ts` prints each problem and exits 1
 * when there is one (part of `deno task check`).
 *
 * @module
 */
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Where the tree's rules are broken: each problem as one line. */
export interface ImportReport {
  /** Each circle as its files in import order, the first repeated last. */
  circles: string[][];
  /** `importer → private file` pairs across folders. */
  privateImports: [string, string][];
}

/** Folders that are not the product: their circles are their own affair. */
const NOT_PRODUCT = ["tests/", "bench/", "scripts/"];

/** One module of `deno info --json`'s report, with what it imports. */
export interface InfoModule {
  specifier: string;
  dependencies?: {
    code?: { specifier?: string };
    type?: { specifier?: string };
    isDynamic?: boolean;
  }[];
}

/**
 * The module graph `deno info --json` reports for `entry` (a path from
 * `root`, or a file URL), with `root`'s deno.json.
 *
 * @example
 * ```ts ignore
 * import { denoInfo } from "./check_imports.ts";
 * const { roots, modules } = await denoInfo(Deno.cwd(), "cli.ts");
 * console.log(roots[0], modules.length);
 * ```
 */
export async function denoInfo(
  root: string,
  entry: string,
): Promise<{ roots: string[]; modules: InfoModule[] }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", join(root, "deno.json"), entry],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `deno info failed: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

/**
 * The import report of the files under `root`, starting from `entries`
 * (paths relative to `root`).
 *
 * @example
 * ```ts ignore
 * import { checkImports, sourceFiles } from "./check_imports.ts";
 * const report = await checkImports(Deno.cwd(), await sourceFiles(Deno.cwd()));
 * console.log(report.circles.length, report.privateImports.length); // 0 0
 * ```
 */
export async function checkImports(
  root: string,
  entries: readonly string[],
): Promise<ImportReport> {
  const { code, all } = await importGraph(root, entries);
  const privateImports: [string, string][] = [];
  for (const [from, targets] of all) {
    for (const to of targets) {
      if (basename(to).startsWith("_") && dirname(to) !== dirname(from)) {
        privateImports.push([from, to]);
      }
    }
  }
  const product = new Map(
    [...code].filter(([file]) => isProduct(file)).map((
      [file, targets],
    ) => [file, targets.filter(isProduct)]),
  );
  return { circles: circlesOf(product), privateImports };
}

/**
 * The TypeScript files under `root` (relative): every one is an entry,
 * since workers, subprocess scripts and tests are loaded by path, not
 * imported.
 *
 * @example
 * ```ts ignore
 * import { sourceFiles } from "./check_imports.ts";
 * console.log((await sourceFiles(Deno.cwd())).includes("cli.ts")); // true
 * ```
 */
export async function sourceFiles(root: string, dir = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(join(root, dir))) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory) {
      if (!SKIPPED.includes(entry.name) && !entry.name.startsWith(".")) {
        found.push(...await sourceFiles(root, path));
      }
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
      found.push(path);
    }
  }
  return found.sort();
}

/** Folders that hold no source: builds, results, dependencies. */
const SKIPPED = ["dist", "node_modules", "target", "results"];

function isProduct(file: string): boolean {
  return !NOT_PRODUCT.some((prefix) => file.startsWith(prefix));
}

/** File → the local files it imports, as paths relative to the root. */
type Graph = Map<string, string[]>;

/**
 * The imports that load code and all imports (type-only ones too) of the
 * local files, from one `deno info --json` of a module importing every
 * entry.
 */
async function importGraph(
  root: string,
  entries: readonly string[],
): Promise<{ code: Graph; all: Graph }> {
  const dir = await Deno.makeTempDir({ prefix: "eddy-imports-" });
  try {
    const door = join(dir, "all.ts");
    await Deno.writeTextFile(
      door,
      entries.map((entry) =>
        `import ${JSON.stringify(pathToFileURL(join(root, entry)).href)};\n`
      ).join(""),
    );
    const info = await denoInfo(root, door);
    const local = (specifier?: string) => {
      if (!specifier?.startsWith("file:")) return undefined;
      const path = relative(root, fileURLToPath(specifier));
      return path.startsWith("..") ? undefined : path;
    };
    const code: Graph = new Map();
    const all: Graph = new Map();
    for (const module of info.modules) {
      const from = local(module.specifier);
      if (from === undefined) continue;
      const deps = module.dependencies ?? [];
      const paths = (specifiers: (string | undefined)[]) => [
        ...new Set(specifiers.map(local).filter((path) => path !== undefined)),
      ];
      code.set(from, paths(deps.map((dep) => dep.code?.specifier)));
      all.set(
        from,
        paths(
          deps.flatMap((dep) => [dep.code?.specifier, dep.type?.specifier]),
        ),
      );
    }
    return { code, all };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** One circle through each strongly connected group of files (Tarjan). */
function circlesOf(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const to of graph.get(file) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const group = new Set<string>();
    let member;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.add(member);
    } while (member !== file);
    const selfImport = graph.get(file)?.includes(file);
    if (group.size > 1 || selfImport) circles.push(circleIn(graph, group));
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return circles;
}

/** A path from the group's first file back to itself, within the group. */
function circleIn(graph: Graph, group: Set<string>): string[] {
  const [start] = [...group].sort();
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const to of graph.get(file) ?? []) {
      if (!group.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (let at = file; at !== start; at = previous.get(at)!) {
          path.splice(1, 0, at);
        }
        return [...path, start];
      }
      if (!previous.has(to)) {
        previous.set(to, file);
        queue.push(to);
      }
    }
  }
  return [start, start];
}

if (import.meta.main) {
  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  const report = await checkImports(root, await sourceFiles(root));
  for (const circle of report.circles) {
    console.error(`import circle: ${circle.join(" → ")}`);
  }
  for (const [from, to] of report.privateImports) {
    console.error(`private file imported from another folder: ${from} → ${to}`);
  }
  const problems = report.circles.length + report.privateImports.length;
  if (problems > 0) Deno.exit(1);
  console.log("imports: no circle in the product, no private file shared");
}
