import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier?: string }; isDynamic?: boolean }[];
}

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** What `entry` loads before it runs: static imports, type-only ones left out. */
async function staticImports(entry: string): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: root,
    stderr: "inherit",
  }).output();
  assert.ok(out.success, `deno info ${entry} failed`);
  const info: { roots: string[]; modules: InfoModule[] } = JSON.parse(
    new TextDecoder().decode(out.stdout),
  );
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const pending = [...info.roots];
  while (pending.length > 0) {
    const specifier = pending.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of modules.get(specifier)?.dependencies ?? []) {
      if (!dep.isDynamic && dep.code?.specifier) {
        pending.push(dep.code.specifier);
      }
    }
  }
  return seen;
}

// Each node: or npm: module costs a worker's start: `node:process` alone
// added ~20 ms to every executor worker (and to each replacement of one).
Deno.test("an executor worker starts without loading node: or npm: modules", async () => {
  const loaded = await staticImports("runtime/executor/_worker.ts");
  assert.ok(loaded.size > 10, `only ${loaded.size} modules: graph not read`);
  const foreign = [...loaded].filter((s) =>
    s.startsWith("node:") || s.startsWith("npm:")
  );
  assert.deepEqual(foreign, []);
});
