/**
 * The node's V8 flags are given where Deno starts, in several places: each
 * carries `NODE_V8_FLAGS` as it is, so that none drifts from the others.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { NODE_V8_FLAGS } from "../../node/v8_flags.ts";
import { REPO_ROOT } from "../_helpers/node_process.ts";

Deno.test("the serve and compile tasks and the systemd unit run a node with NODE_V8_FLAGS", async () => {
  const { tasks } = JSON.parse(
    await Deno.readTextFile(join(REPO_ROOT, "deno.json")),
  ) as { tasks: Record<string, string> };
  for (const name of ["serve", "compile", "compile:pi"]) {
    assert.ok(
      tasks[name].includes(` ${NODE_V8_FLAGS} `),
      `task ${name}: ${tasks[name]}`,
    );
  }
  const unit = await Deno.readTextFile(
    join(REPO_ROOT, "packaging/eddy.service"),
  );
  assert.match(unit, new RegExp(`deno run -A ${NODE_V8_FLAGS} `));
});
