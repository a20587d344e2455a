import { fileURLToPath } from "node:url";
import { denoInfo } from "../../scripts/check_imports.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

/**
 * What `entry` (a path from the repository root) loads before it runs: its
 * static imports, transitively, type-only ones left out, as specifiers.
 *
 * @example
 * ```ts ignore
 * const loaded = await staticImports("runtime/executor/_worker.ts");
 * ```
 */
export async function staticImports(entry: string): Promise<Set<string>> {
  const info = await denoInfo(root, entry);
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
