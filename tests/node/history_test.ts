import assert from "node:assert/strict";
import { History } from "../../node/history.ts";

Deno.test("history forgets functions idle past its window, unless they have failures to show", () => {
  let now = Date.UTC(2026, 11, 2, 8, 0, 0);
  const history = new History(() => now);
  for (let i = 0; i < 1000; i++) history.record(`f${i}`, 0.001);
  history.record("failed", 0.001, {
    reason: "trap",
    message: "unreachable",
    stderr: "",
  });
  assert.equal(history.tracked, 1001);
  now += 60_000;
  history.record("busy", 0.002);
  // Still within the 5-minute window: nothing goes.
  assert.equal(history.tracked, 1002);
  assert.equal(history.series("f7").invocations.reduce((a, b) => a + b), 1);
  now += 5 * 60_000;
  history.record("busy", 0.002);
  assert.equal(history.tracked, 2); // busy, and failed for its failure
  assert.equal(history.failures("failed")[0].reason, "trap");
  assert.equal(history.series("f7").invocations.reduce((a, b) => a + b), 0);
  // A forgotten function that runs again starts afresh.
  history.record("f7", 0.001);
  assert.equal(history.series("f7").invocations.at(-1), 1);
});
