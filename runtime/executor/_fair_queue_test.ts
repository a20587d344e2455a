import assert from "node:assert/strict";
import { FairQueue } from "./_fair_queue.ts";

interface Job {
  fn: string;
  n: number;
}

/** Takes every job the way the pool does, always the first line's head. */
function drainOrder(queue: FairQueue<Job>): string[] {
  const order: string[] = [];
  while (queue.length > 0) {
    const head = queue.heads()[0];
    queue.take(head);
    order.push(`${head.fn}${head.n}`);
  }
  return order;
}

Deno.test("functions are served in turn, each line in order", () => {
  const queue = new FairQueue<Job>();
  for (let n = 1; n <= 3; n++) queue.push({ fn: "flood", n });
  queue.push({ fn: "echo", n: 1 });
  assert.deepEqual(drainOrder(queue), ["flood1", "echo1", "flood2", "flood3"]);
  assert.equal(queue.lines().size, 0);
});

Deno.test("a line alone keeps its order, and takes turns once another comes", () => {
  const queue = new FairQueue<Job>();
  for (let n = 1; n <= 3; n++) queue.push({ fn: "a", n });
  const head = queue.heads()[0];
  queue.take(head);
  assert.equal(queue.waiting("a"), 2);
  queue.push({ fn: "b", n: 1 });
  assert.deepEqual(drainOrder(queue), ["a2", "b1", "a3"]);
});
