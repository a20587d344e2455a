import assert from "node:assert/strict";
import { staticImports } from "../_helpers/imports.ts";

// The main isolate checks deployments and dispatches invocations but runs
// no guest: loading the WASI host and the in-process runner there cost
// ~10-20 ms of every start.
Deno.test("serving loads no WASI host and no in-process runner on the main isolate", async () => {
  const loaded = [...await staticImports("cli/commands/serve.ts")];
  assert.ok(
    loaded.length > 50,
    `only ${loaded.length} modules: graph not read`,
  );
  const guestSide = loaded.filter((s) =>
    /\/runtime\/(wasi\/(host|mod)|executor\/(run|worker_main))\.ts$/.test(s)
  );
  assert.deepEqual(guestSide, []);
});
