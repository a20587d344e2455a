import assert from "node:assert/strict";
import type { ToWorker } from "./_protocol.ts";
import type { Executor, PendingJob } from "./_records.ts";
import { Residency } from "./_residency.ts";
import { testJob, testSpec } from "./_testing.ts";

const module = new WebAssembly.Module(
  new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]),
);

function worker(): Executor {
  return {
    inflight: new Map(),
    modules: new Map(),
    moduleBytes: 0,
    templates: new Map(),
  } as unknown as Executor;
}

function job(key: string, spec = testSpec(key), cost = 100): PendingJob {
  return testJob(key, { spec, compiled: { module, cost } });
}

/** A residency with its messages recorded, per worker. */
function recorded(budgetBytes = Infinity) {
  const sent: ToWorker[] = [];
  const residency = new Residency({
    budgetBytes,
    post: (_, message) => sent.push(message),
  });
  return { residency, sent };
}

Deno.test("a worker is sent a module once, and the least recently used go past the budget", () => {
  const { residency, sent } = recorded(250);
  const e = worker();
  residency.hold(e, job("a"));
  residency.hold(e, job("b"));
  residency.hold(e, job("a"));
  assert.deepEqual(sent.map((m) => m.type), ["module", "module"]);
  // "b" is now the least recently used: it goes for "c".
  residency.hold(e, job("c"));
  assert.deepEqual([...e.modules.keys()], ["a", "c"]);
  assert.equal(e.moduleBytes, 200);
  assert.deepEqual(sent.at(-1), { type: "forget", key: "b", cost: 100 });
  assert.equal(residency.evictions, 1);
});

Deno.test("a module a job on the worker still needs is not evicted", () => {
  const { residency } = recorded(150);
  const e = worker();
  // As the pool does: a job is the worker's before its modules are held.
  const [a, b] = [job("a"), job("b")];
  e.inflight.set(1, a);
  residency.hold(e, a);
  e.inflight.set(2, b);
  residency.hold(e, b);
  assert.deepEqual([...e.modules.keys()].sort(), ["a", "b"]);
  assert.equal(residency.evictions, 0);
});

Deno.test("a frozen spec gets one id, sent to each worker once; others carry their spec", () => {
  const { residency, sent } = recorded();
  const [one, two] = [worker(), worker()];
  const frozen = job("a");
  const id = residency.template(one, frozen);
  assert.equal(residency.template(one, frozen), id);
  assert.equal(residency.template(two, frozen), id);
  assert.equal(sent.filter((m) => m.type === "template").length, 2);
  const open = job("a", { ...testSpec("a") });
  assert.equal(residency.template(one, open), undefined);
});

Deno.test("modules no longer deployed are dropped once unused, with their templates", () => {
  const { residency, sent } = recorded();
  const e = worker();
  const old = job("old");
  residency.hold(e, old);
  const id = residency.template(e, old)!;
  e.inflight.set(1, old);
  residency.retain([e], ["new"]);
  assert.ok(e.modules.has("old"), "kept while a job needs it");
  e.inflight.delete(1);
  residency.forgetUnused(e, "old");
  assert.equal(e.modules.has("old"), false);
  assert.equal(e.templates.has(id), false);
  assert.deepEqual(sent.slice(-2), [
    { type: "forget", key: "old", cost: 100 },
    { type: "forgetTemplate", id },
  ]);
});

Deno.test("the module used last needs no move; one used before it moves to the end", () => {
  const { residency, sent } = recorded(250);
  const e = worker();
  for (const key of ["a", "b", "b", "b", "a"]) residency.hold(e, job(key));
  assert.deepEqual([...e.modules.keys()], ["b", "a"]);
  residency.hold(e, job("c"));
  assert.deepEqual([...e.modules.keys()], ["a", "c"]);
  // Dropped, "b" comes again as a module message.
  residency.hold(e, job("b"));
  assert.deepEqual(sent.filter((m) => m.type === "module").length, 4);
});
