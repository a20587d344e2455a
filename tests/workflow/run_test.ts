import assert from "node:assert/strict";
import {
  type ExecuteFn,
  type PlannedEdge,
  planWorkflow,
  type PushFn,
  type TraceEntry,
  WorkflowError,
  type WorkflowPlan,
  WorkflowRun,
} from "../../workflow/mod.ts";
import { specOf, yaml } from "./_helpers.ts";
import { statusOf } from "../../api/status.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Plans steps (YAML flow maps) on nodes n1 (local, host h1) and n2 (h2). */
function plan(
  functions: { n1: string[]; n2: string[] },
  ...steps: string[]
): WorkflowPlan {
  const spec = specOf(
    yaml("name: w", "steps:", ...steps.map((s) => `  - ${s}`)),
  );
  return planWorkflow(spec, {
    localNodeId: "n1",
    nodes: [
      { id: "n1", hostId: "h1", functions: functions.n1 },
      { id: "n2", hostId: "h2", functions: functions.n2 },
    ],
  });
}

/** Fake functions: `tag` wraps its input as `name(input)`. */
const tag: ExecuteFn = (step, input) =>
  Promise.resolve(enc.encode(`${step.name}(${dec.decode(input)})`));

/** Runs of one plan on n1 and n2, wired by a push that copies bytes. */
function connect(
  p: WorkflowPlan,
  execute: ExecuteFn = tag,
  push?: PushFn,
): { n1: WorkflowRun; n2: WorkflowRun } {
  const runs = new Map<string, WorkflowRun>();
  const copy: PushFn = async (edge, bytes) => {
    await Promise.resolve();
    runs.get(edge.toNode)!.deliver(edge.to, edge.from, bytes.slice());
  };
  for (const nodeId of ["n1", "n2"]) {
    runs.set(
      nodeId,
      new WorkflowRun({
        plan: p,
        runId: "r1",
        nodeId,
        execute,
        push: push ?? copy,
      }),
    );
  }
  return { n1: runs.get("n1")!, n2: runs.get("n2")! };
}

/** A rejection's error, checked to be a WorkflowError. */
async function rejection(promise: Promise<unknown>): Promise<WorkflowError> {
  const error = await promise.then(
    () => assert.fail("expected a rejection"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WorkflowError, `got ${error}`);
  return error;
}

const DIAMOND = [
  "{ name: a, function: f }",
  "{ name: b, function: f, after: [a] }",
  "{ name: c, function: g, after: [a] }",
  "{ name: d, function: f, after: [c, b] }",
];

Deno.test("WorkflowRun: fan-out then fan-in in after order, one node", async () => {
  const p = plan({ n1: ["f", "g"], n2: [] }, ...DIAMOND);
  const { n1, n2 } = connect(p);
  n1.start(enc.encode("x"));
  const { output, trace } = await n1.result();
  assert.equal(dec.decode(output), "d(c(a(x))b(a(x)))");
  assert.deepEqual(await n2.settled(), []);
  const edges = trace.filter((e) => e.kind === "edge");
  assert.deepEqual(
    edges.map((e) => `${e.from}→${e.to} ${e.mode} ${e.bytes}`).sort(),
    [
      "$input→a memory 1",
      "a→b memory 4",
      "a→c memory 4",
      "b→d memory 7",
      "c→d memory 7",
      "d→$output memory 17",
    ],
  );
  const steps = trace.filter((e) => e.kind === "step");
  assert.deepEqual(steps.map((s) => s.step), ["a", "b", "c", "d"]);
  for (const s of steps) {
    assert.equal(s.node, "n1");
    assert.ok(s.start <= s.end && s.durationMs === s.end - s.start);
  }
});

Deno.test("WorkflowRun: two nodes, each tracing the steps it ran and the edges it sent", async () => {
  const p = plan({ n1: ["f"], n2: ["g"] }, ...DIAMOND);
  const { n1, n2 } = connect(p);
  n1.start(enc.encode("x"));
  const [{ output, trace }, part] = await Promise.all([
    n1.result(),
    n2.settled(),
  ]);
  assert.equal(dec.decode(output), "d(c(a(x))b(a(x)))");
  const line = (e: TraceEntry) =>
    e.kind === "step"
      ? `${e.step}@${e.node}`
      : `${e.from}→${e.to} ${e.mode} ${e.fromNode}→${e.toNode}`;
  assert.deepEqual(trace.map(line).sort(), [
    "$input→a memory n1→n1",
    "a@n1",
    "a→b memory n1→n1",
    "a→c http2 n1→n2",
    "b@n1",
    "b→d memory n1→n1",
    "d@n1",
    "d→$output memory n1→n1",
  ]);
  assert.deepEqual(part.map(line).sort(), ["c@n2", "c→d http2 n2→n1"]);
});

Deno.test("WorkflowRun: fan-in concatenates in after order, whatever the arrival order", async () => {
  const p: WorkflowPlan = {
    workflow: "w",
    origin: "n1",
    output: "j",
    steps: [{
      name: "j",
      function: "f",
      args: [],
      after: ["x", "y", "z"],
      node: "n1",
    }],
    edges: [
      {
        from: "j",
        to: "$output",
        fromNode: "n1",
        toNode: "n1",
        mode: "memory",
      },
    ],
  };
  const inputs: string[] = [];
  const run = new WorkflowRun({
    plan: p,
    runId: "r",
    nodeId: "n1",
    execute: (_step, input) => {
      inputs.push(dec.decode(input));
      return Promise.resolve(input);
    },
    push: () => Promise.reject(new Error("unused")),
  });
  run.deliver("j", "z", enc.encode("3"));
  run.deliver("j", "x", enc.encode(""));
  assert.deepEqual(inputs, [], "a step waits for all its inputs");
  run.deliver("j", "y", enc.encode("22"));
  assert.deepEqual(inputs, ["223"]);
  // The origin's input never went out (it has no first step): settle
  // needs `start`, so only the output is awaited here.
  await assert.rejects(
    Promise.race([
      run.result(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error("waits")), 20)
      ),
    ]),
    /waits/,
  );
  run.start(new Uint8Array());
  assert.equal(dec.decode((await run.result()).output), "223");
});

Deno.test("WorkflowRun: a consumer that transfers its input leaves its siblings theirs", async () => {
  const p = plan(
    { n1: ["f", "keep"], n2: ["g"] },
    "{ name: a, function: keep }",
    "{ name: b, function: f, after: [a] }",
    "{ name: c, function: f, after: [a] }",
    "{ name: r, function: g, after: [a] }",
    "{ name: d, function: keep, after: [b, c, r] }",
  );
  // `f` and `g` detach their input's buffer, as an executor worker does.
  const consume: ExecuteFn = (step, input) => {
    if (step.function === "keep") return Promise.resolve(input);
    const text = dec.decode(input);
    structuredClone(input.buffer, { transfer: [input.buffer as ArrayBuffer] });
    assert.equal(input.byteLength, 0);
    return Promise.resolve(enc.encode(`${step.name}(${text})`));
  };
  const pushed = new Map<string, string>();
  const runs = connect(p, consume, async (edge, bytes) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Read after the local consumers have detached their inputs.
    pushed.set(`${edge.from}→${edge.to}`, dec.decode(bytes));
    runs[edge.toNode as "n1" | "n2"].deliver(edge.to, edge.from, bytes.slice());
  });
  runs.n1.start(enc.encode("in"));
  const { output } = await runs.n1.result();
  assert.equal(dec.decode(output), "b(in)c(in)r(in)");
  assert.deepEqual([...pushed], [["a→r", "in"], ["r→d", "r(in)"]]);
});

Deno.test("WorkflowRun: a failing step rejects the run with its name", async () => {
  const p = plan({ n1: ["f", "g"], n2: [] }, ...DIAMOND);
  const started: string[] = [];
  const { n1 } = connect(p, (step, input) => {
    started.push(step.name);
    return step.name === "c"
      ? Promise.reject(new Error("boom"))
      : tag(step, input);
  });
  n1.start(enc.encode("x"));
  const error = await rejection(n1.result());
  assert.equal(error.step, "c");
  assert.equal(error.code, "step_failed");
  assert.equal(statusOf(error), 500);
  assert.equal(
    error.message,
    "workflow 'w' (run r1): step 'c' on node 'n1' failed: boom",
  );
  assert.deepEqual(error.details, {
    workflow: "w",
    runId: "r1",
    step: "c",
    function: "g",
    node: "n1",
  });
  assert.equal((error.cause as Error).message, "boom");
  assert.equal(await rejection(n1.settled()), error);
  assert.ok(!started.includes("d"), "d must not start after c failed");
  // Late inputs are dropped.
  n1.deliver("d", "c", enc.encode("late"));
});

Deno.test("WorkflowRun: a failed push names the step and the peer", async () => {
  const p = plan({ n1: ["f"], n2: ["g"] }, ...DIAMOND);
  const { n1, n2 } = connect(
    p,
    tag,
    () => Promise.reject(new Error("connection refused")),
  );
  n1.start(enc.encode("x"));
  const error = await rejection(n1.result());
  assert.equal(error.code, "push_failed");
  assert.equal(statusOf(error), 502);
  assert.equal(error.step, "a");
  assert.equal(error.peer, "n2");
  assert.equal(
    error.message,
    "workflow 'w' (run r1): sending the output of 'a' to step 'c' on node 'n2' (http2) failed: connection refused",
  );
  // The node tells the other parts; abort fails them too.
  n2.abort(error);
  assert.equal(await rejection(n2.settled()), error);
});

Deno.test("WorkflowRun: refuses inputs the plan does not route to the node", () => {
  const p = plan({ n1: ["f"], n2: ["g"] }, ...DIAMOND);
  const { n1, n2 } = connect(p);
  const refused = (fn: () => void, message: string) =>
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof WorkflowError);
      assert.equal(e.code, "invalid_delivery");
      assert.equal(statusOf(e), 400);
      assert.equal(e.message, message);
      return true;
    });
  refused(
    () => n2.deliver("b", "a", enc.encode("")),
    "workflow 'w' (run r1): input from 'a' to 'b': 'b' is not on node 'n2'",
  );
  refused(
    () => n2.deliver("$output", "d", enc.encode("")),
    "workflow 'w' (run r1): input from 'd' to '$output': '$output' is not on node 'n2'",
  );
  refused(
    () => n1.deliver("d", "a", enc.encode("")),
    "workflow 'w' (run r1): input from 'a' to 'd': expected input from 'c', 'b'",
  );
  n1.deliver("d", "b", enc.encode(""));
  refused(
    () => n1.deliver("d", "b", enc.encode("")),
    "workflow 'w' (run r1): input from 'b' to 'd': already delivered",
  );
});

Deno.test("WorkflowRun: start and result belong to the origin, start happens once", async () => {
  const p = plan({ n1: ["f"], n2: ["g"] }, ...DIAMOND);
  const { n1, n2 } = connect(p);
  assert.throws(
    () => n2.start(new Uint8Array()),
    /run r1 starts on node 'n1', not 'n2'/,
  );
  await assert.rejects(
    n2.result(),
    /run r1 returns its output on node 'n1', not 'n2'/,
  );
  n1.start(enc.encode("x"));
  assert.throws(() => n1.start(enc.encode("x")), /run r1 already started/);
  await n1.result();
});

Deno.test("WorkflowRun: the output step may also feed other steps", async () => {
  const p = planWorkflow(
    specOf(yaml(
      "name: w",
      "steps:",
      "  - { name: a, function: f }",
      "  - { name: b, function: f, after: [a] }",
      "output: a",
    )),
    { localNodeId: "n1", nodes: [{ id: "n1", hostId: "h", functions: ["f"] }] },
  );
  const { n1 } = connect(p);
  n1.start(enc.encode("x"));
  const { output, trace } = await n1.result();
  assert.equal(dec.decode(output), "a(x)");
  // b ran too: the origin settles when all its steps are done.
  assert.ok(trace.some((e) => e.kind === "step" && e.step === "b"));
});

Deno.test("WorkflowRun: memory edges of a plan never reach push", async () => {
  const p = plan({ n1: ["f", "g"], n2: [] }, ...DIAMOND);
  const pushed: PlannedEdge[] = [];
  const { n1 } = connect(p, tag, (edge) => {
    pushed.push(edge);
    return Promise.resolve();
  });
  n1.start(enc.encode("x"));
  await n1.result();
  assert.deepEqual(pushed, []);
});
