import assert from "node:assert/strict";
import { Background } from "./_background.ts";
import type { Executor } from "./_records.ts";

Deno.test("a function floods the node for a second after its last refusal", () => {
  const background = new Background(() => 1);
  const now = Date.now();
  assert.equal(background.isFlooding("capped", now), false);
  background.flooding("capped");
  assert.equal(background.isFlooding("capped", now + 999), true);
  assert.equal(background.isFlooding("other", now + 999), false);
  assert.equal(background.isFlooding("capped", now + 1001), false);
  // Forgotten once past: a refusal long ago does not count again.
  assert.equal(background.isFlooding("capped", now + 10), false);
});

Deno.test("a worker whose thread is not known yet is left where it is", () => {
  const background = new Background(() => 1000);
  const executor = {
    inflight: new Map(),
    status: new Int32Array(64),
  } as unknown as Executor;
  background.prioritise(executor, Date.now());
  assert.equal(executor.background, undefined);
  assert.equal(background.starvedLifts, 0);
});
