import assert from "node:assert/strict";
import { staticImports } from "../../_helpers/imports.ts";

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
