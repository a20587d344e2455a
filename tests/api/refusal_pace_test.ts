import assert from "node:assert/strict";
import {
  answersAtOnce,
  AT_ONCE_PER_WINDOW,
  AT_ONCE_WINDOW_MS,
  REFUSAL_ROUND_MS,
  refuseInRound,
} from "../../api/refusal_pace.ts";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("a function's refusals are answered at once up to the window's share, each function its own, and again in the next window", async () => {
  // A window's end first, so that the counts below fall in one window.
  await pause(AT_ONCE_WINDOW_MS + 1);
  const a = Array.from(
    { length: AT_ONCE_PER_WINDOW + 3 },
    () => answersAtOnce("a"),
  );
  assert.equal(a.filter(Boolean).length, AT_ONCE_PER_WINDOW);
  assert.deepEqual(a.slice(AT_ONCE_PER_WINDOW), [false, false, false]);
  assert.equal(answersAtOnce("b"), true);
  await pause(AT_ONCE_WINDOW_MS + 1);
  assert.equal(answersAtOnce("a"), true);
});

Deno.test("a held refusal rejects within a round", async () => {
  const at = performance.now();
  await assert.rejects(refuseInRound(new Error("overloaded")), /overloaded/);
  // The round's timer, give or take a loaded machine's timer slack.
  assert.ok(performance.now() - at < REFUSAL_ROUND_MS * 10);
});
