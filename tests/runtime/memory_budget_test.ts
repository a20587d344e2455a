import { statusOf } from "../../api/status.ts";
import assert from "node:assert/strict";
import {
  MemoryBudget,
  MemoryBudgetError,
  Reservation,
} from "../../runtime/memory_budget.ts";
import {
  BudgetedOutput,
  OutputBudgetError,
} from "../../runtime/executor/budgeted_output.ts";

Deno.test("a budget shared between two handles counts once", () => {
  const budget = new MemoryBudget(100);
  const other = new MemoryBudget(budget.shared);
  assert.equal(other.limit, 100);
  assert.ok(budget.tryReserve(60));
  assert.ok(!other.tryReserve(41));
  assert.ok(other.tryReserve(40));
  other.release(60);
  assert.equal(budget.reserved, 40);
  assert.throws(
    () => budget.reserve(61),
    (e: unknown) =>
      e instanceof MemoryBudgetError && statusOf(e) === 503 &&
      e.code === "memory_budget",
  );
});

Deno.test("an input is admitted only with room for an output of its size", () => {
  const budget = new MemoryBudget(100);
  const first = new Reservation(budget);
  first.growInput(50);
  const second = new Reservation(budget);
  assert.throws(() => second.growInput(30), MemoryBudgetError);
  assert.equal(second.bytes, 0);
  first.grow(50); // its output
  first.release();
  first.release();
  assert.equal(budget.reserved, 0);
  second.adopt(10);
  second.shrink(4);
  assert.equal(second.bytes, 6);
});

Deno.test("a budgeted output fails past the budget and tells what it holds", () => {
  const budget = new MemoryBudget(10);
  let tally = 0;
  const out = new BudgetedOutput(1 << 20, budget, (n) => tally += n);
  out.write(new Uint8Array(8));
  assert.throws(() => out.write(new Uint8Array(3)), OutputBudgetError);
  assert.equal(out.size, 8);
  assert.equal(out.reserved, 8);
  assert.equal(tally, 8);
  assert.equal(budget.reserved, 8);
});

Deno.test("a request larger than the whole budget is told to raise it, not to retry", () => {
  const budget = new MemoryBudget(100);
  const held = new Reservation(budget);
  assert.throws(() => held.growInput(60), /raise --max-buffered/);
  budget.reserve(70);
  assert.throws(() => held.growInput(20), /now; retry later/);
});
