import assert from "node:assert/strict";
import { join } from "node:path";
import { checkImports, sourceFiles } from "../../scripts/check_imports.ts";
import { REPO_ROOT } from "../_helpers/node_process.ts";
import { tempDir } from "../_helpers/temp.ts";

/** Writes `files` (path → text) under a new temp dir with a bare deno.json. */
async function tree(files: Record<string, string>): Promise<string> {
  const root = await tempDir();
  await Deno.writeTextFile(join(root, "deno.json"), "{}");
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
  return root;
}

Deno.test("the check names circles of code and private files shared across folders", async () => {
  const root = await tree({
    "a/p.ts": 'import { q } from "./q.ts";\nexport const p = () => q;\n',
    "a/q.ts": 'import { p } from "./p.ts";\nexport const q = () => p;\n',
    // Type-only imports load nothing: no circle.
    "b/s.ts": 'import type { T } from "./t.ts";\nexport type S = T;\n',
    "b/t.ts": 'import type { S } from "./s.ts";\nexport type T = S | 1;\n',
    "b/_private.ts": "export const secret = 1;\n",
    "b/same.ts": 'export { secret } from "./_private.ts";\n',
    "c/other.ts": 'export type { secret } from "../b/_private.ts";\n',
    // Outside the product a circle is the folder's own affair.
    "tests/x.ts": 'import "./y.ts";\n',
    "tests/y.ts": 'import "./x.ts";\n',
  });
  try {
    const report = await checkImports(root, await sourceFiles(root));
    assert.deepEqual(report.circles, [["a/p.ts", "a/q.ts", "a/p.ts"]]);
    assert.deepEqual(report.privateImports, [["c/other.ts", "b/_private.ts"]]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("this tree has no circle in its product and shares no private file", async () => {
  const report = await checkImports(REPO_ROOT, await sourceFiles(REPO_ROOT));
  assert.deepEqual(report, { circles: [], privateImports: [] });
});
