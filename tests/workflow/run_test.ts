import assert from "node:assert/strict";
import {
  type ExecuteFn,
  type ExecuteGroupFn,
  planWorkflow,
  type PushFn,
  type TraceEntry,
  WorkflowError,
  type WorkflowPlan,
  WorkflowRun,
} from "../../workflow/mod.ts";
import { specOf, wireRuns, yaml } from "./_helpers.ts";
import { statusOf } from "../../api/status.ts";
import { NotFoundError } from "../../runtime/errors.ts";

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

/** Runs of one plan on n1 and n2, wired through comm's memory transport. */
function connect(
  p: WorkflowPlan,
  execute: ExecuteFn = tag,
  push?: PushFn,
): { n1: WorkflowRun; n2: WorkflowRun; comm: PushFn } {
  const { runs, comm } = wireRuns(p, execute, ["n1", "n2"], push);
  return { n1: runs.get("n1")!, n2: runs.get("n2")!, comm };
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
  const { n1: run } = connect(p, (_step, input) => {
    inputs.push(dec.decode(input));
    return Promise.resolve(input);
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
  const runs = connect(p, consume, async (edge, bytes, transfer) => {
    if (edge.mode === "memory") return runs.comm(edge, bytes, transfer);
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Read after the local consumers have detached their inputs.
    pushed.set(`${edge.from}→${edge.to}`, dec.decode(bytes));
    await runs.comm(edge, bytes, transfer);
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
  const { n1, n2, comm } = connect(
    p,
    tag,
    (edge, bytes, transfer) =>
      edge.mode === "memory"
        ? comm(edge, bytes, transfer)
        : Promise.reject(new Error("connection refused")),
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

Deno.test("WorkflowRun: every edge goes through push; only a lone consumer takes the bytes", async () => {
  const p = plan({ n1: ["f", "g"], n2: [] }, ...DIAMOND);
  const pushed: string[] = [];
  const runs = connect(p, tag, (edge, bytes, transfer) => {
    pushed.push(`${edge.from}→${edge.to} ${transfer ? "takes" : "copies"}`);
    return runs.comm(edge, bytes, transfer);
  });
  runs.n1.start(enc.encode("x"));
  await runs.n1.result();
  assert.deepEqual(pushed.sort(), [
    "$input→a takes",
    "a→b copies",
    "a→c takes",
    "b→d takes",
    "c→d takes",
    "d→$output takes",
  ]);
});

Deno.test("WorkflowRun: in memory mode a lone consumer gets the producer's very buffer, fan-out consumers their own", async () => {
  const p = plan({ n1: ["f", "g"], n2: [] }, ...DIAMOND);
  const outputs = new Map<string, Uint8Array>();
  const inputs = new Map<string, Uint8Array>();
  const { n1 } = connect(p, (step, input) => {
    inputs.set(step.name, input);
    const output = new Uint8Array(1 << 20).fill(step.name.charCodeAt(0));
    outputs.set(step.name, output);
    return Promise.resolve(output);
  });
  n1.start(new Uint8Array(8));
  const { output } = await n1.result();
  assert.equal(output, outputs.get("d"), "d's output is handed over");
  // a feeds b and c: one of them has a's buffer, the other a copy.
  const [b, c] = [inputs.get("b")!, inputs.get("c")!];
  assert.notEqual(b.buffer, c.buffer);
  assert.ok([b, c].filter((i) => i === outputs.get("a")).length === 1);
  assert.deepEqual(b, outputs.get("a"));
  assert.deepEqual(c, outputs.get("a"));
});

Deno.test("WorkflowRun: a participant's trace rides with its last push to the origin", async () => {
  const p = plan({ n1: ["f"], n2: ["g"] }, ...DIAMOND);
  const traces = new Map<string, TraceEntry[] | undefined>();
  const runs = connect(p, tag, (edge, bytes, transfer, trace) => {
    traces.set(`${edge.from}→${edge.to}`, trace);
    return runs.comm(edge, bytes, transfer);
  });
  runs.n1.start(enc.encode("x"));
  const [, part] = await Promise.all([runs.n1.result(), runs.n2.settled()]);
  const sent = traces.get("c→d");
  assert.ok(sent, "n2's only push, to the origin, carries its trace");
  assert.deepEqual(sent.map((e) => e.kind === "step" && e.step), ["c"]);
  // What the part settles with is that trace plus the edge it sent last.
  assert.deepEqual(part.slice(0, sent.length), sent);
  assert.equal(part.length, sent.length + 1);
  for (const [edge, trace] of traces) {
    if (edge !== "c→d") assert.equal(trace, undefined, edge);
  }
});

Deno.test("WorkflowRun: no trace rides with a participant's push while it has more to do", async () => {
  const p = plan(
    { n1: ["f"], n2: ["g"] },
    "{ name: a, function: f }",
    "{ name: b, function: g, after: [a] }",
    "{ name: c, function: g, after: [b] }",
    "{ name: d, function: f, after: [b, c] }",
  );
  const traces = new Map<string, TraceEntry[] | undefined>();
  const runs = connect(p, tag, (edge, bytes, transfer, trace) => {
    traces.set(`${edge.from}→${edge.to}`, trace);
    return runs.comm(edge, bytes, transfer);
  });
  runs.n1.start(enc.encode("x"));
  const { output } = await runs.n1.result();
  assert.equal(dec.decode(output), "d(b(a(x))c(b(a(x))))");
  // b feeds c on its own node and d on the origin: not a last push.
  assert.equal(traces.get("b→d"), undefined);
});

Deno.test("WorkflowRun: gives back a step's input its executor kept intact, and joined fan-in parts", async () => {
  const p = plan({ n1: ["f", "g"], n2: [] }, ...DIAMOND);
  const inputs = new Map<string, Uint8Array>();
  const released: Uint8Array[] = [];
  const { runs } = wireRuns(
    p,
    (step, input) => {
      inputs.set(step.name, input);
      // g moves its input to a worker (emptying it), f only reads it.
      if (step.function === "g") {
        structuredClone(input.buffer, {
          transfer: [input.buffer as ArrayBuffer],
        });
      }
      return Promise.resolve(enc.encode(`${step.name}!`));
    },
    ["n1"],
    undefined,
    (bytes) => released.push(bytes),
  );
  const n1 = runs.get("n1")!;
  n1.start(enc.encode("x"));
  await n1.result();
  const expected = [inputs.get("a"), inputs.get("b"), inputs.get("d")];
  for (const input of expected) {
    assert.ok(released.includes(input!), "an intact input is given back");
  }
  assert.ok(!released.includes(inputs.get("c")!), "c's input moved on");
  // d's parts (the outputs of c and b) were joined into d's input.
  assert.equal(
    released.filter((r) => !expected.includes(r)).map((r) => dec.decode(r))
      .sort().join(),
    "b!,c!",
  );
});

Deno.test("WorkflowRun: gives back a local step's output once every send that only read it succeeded", async () => {
  const p = plan(
    { n1: ["f"], n2: ["g"] },
    "{ name: a, function: f }",
    "{ name: b, function: g, after: [a] }",
  );
  const outputs = new Map<string, Uint8Array>();
  const released: Uint8Array[] = [];
  const { runs } = wireRuns(
    p,
    (step, input) => {
      const output = enc.encode(`${step.name}(${dec.decode(input)})`);
      outputs.set(step.name, output);
      return Promise.resolve(output);
    },
    ["n1", "n2"],
    undefined,
    (bytes) => released.push(bytes),
  );
  runs.get("n1")!.start(enc.encode("x"));
  const [{ output, trace }] = await Promise.all([
    runs.get("n1")!.result(),
    runs.get("n2")!.settled(),
  ]);
  assert.equal(dec.decode(output), "b(a(x))");
  assert.ok(
    trace.some((e) =>
      e.kind === "edge" && e.from === "a" && e.mode !== "memory"
    ),
  );
  // a's output crossed to n2 by a socket mode; b's went back to the origin.
  assert.ok(released.includes(outputs.get("a")!), "a's output comes back");
  assert.ok(released.includes(outputs.get("b")!), "b's output comes back");
  assert.equal(dec.decode(outputs.get("a")!), "a(x)", "read, never emptied");
});

Deno.test("WorkflowRun: keeps a step's output whose send failed (it may still be written)", async () => {
  const p = plan(
    { n1: ["f"], n2: ["g"] },
    "{ name: a, function: f }",
    "{ name: b, function: g, after: [a] }",
  );
  let aOutput: Uint8Array | undefined;
  const released: Uint8Array[] = [];
  const within: { comm?: PushFn } = {};
  const { runs, comm } = wireRuns(
    p,
    (step) => {
      const output = enc.encode(`${step.name}!`);
      if (step.name === "a") aOutput = output;
      return Promise.resolve(output);
    },
    ["n1", "n2"],
    // Sends within n1 go through; the one to n2 fails.
    (edge, payload, transfer) =>
      edge.mode === "memory"
        ? within.comm!(edge, payload, transfer)
        : Promise.reject(new Error("peer gone")),
    (bytes) => released.push(bytes),
  );
  within.comm = comm;
  runs.get("n1")!.start(enc.encode("x"));
  await assert.rejects(runs.get("n1")!.result());
  assert.ok(aOutput, "a ran");
  assert.ok(!released.includes(aOutput!), "a failed send keeps the output");
});

/** One node's run of `p` whose groups `executeGroup` runs. */
function grouped(p: WorkflowPlan, executeGroup: ExecuteGroupFn): WorkflowRun {
  const run: WorkflowRun = new WorkflowRun({
    plan: p,
    runId: "r1",
    nodeId: "n1",
    execute: tag,
    executeGroup,
    short: () => true,
    push: (edge, bytes) =>
      Promise.resolve(run.deliver(edge.to, edge.from, bytes)),
  });
  return run;
}

Deno.test("WorkflowRun: a group runs as one job, traced step by step with its edges in the same worker", async () => {
  const p = plan({ n1: ["f", "g"], n2: [] }, ...DIAMOND);
  const groups: string[][] = [];
  const run = grouped(p, ({ steps, from }, input) => {
    groups.push(steps.map((s) => s.name));
    // Each step tags what it reads, as `tag` would one after the other.
    const outputs: Uint8Array[] = [];
    for (const [k, step] of steps.entries()) {
      const read = k === 0
        ? input
        : enc.encode(from[k].map((i) => dec.decode(outputs[i])).join(""));
      outputs.push(enc.encode(`${step.name}(${dec.decode(read)})`));
    }
    return Promise.resolve({
      output: outputs.at(-1)!,
      stages: outputs.map((o) => ({ durationMs: 0.1, outputBytes: o.length })),
    });
  });
  run.start(enc.encode("x"));
  const { output, trace } = await run.result();
  assert.equal(dec.decode(output), "d(c(a(x))b(a(x)))");
  assert.deepEqual(groups, [["a", "b", "c", "d"]]);
  const inner = trace.filter((t) => t.kind === "edge" && t.sameIsolate);
  assert.deepEqual(
    inner.map((t) => t.kind === "edge" && `${t.from}→${t.to}:${t.bytes}`),
    ["a→b:4", "a→c:4", "b→d:7", "c→d:7"],
  );
});

Deno.test("WorkflowRun: a group's failure names its step: the stage it says, or the function not found", async () => {
  const p = plan({ n1: ["f", "g"], n2: [] }, ...DIAMOND);
  const failing = (error: Error) => grouped(p, () => Promise.reject(error));
  const staged = failing(Object.assign(new Error("exit 1"), { stage: 3 }));
  staged.start(enc.encode("x"));
  assert.equal((await rejection(staged.result())).step, "d");
  const missing = failing(new NotFoundError("function", "g"));
  missing.start(enc.encode("x"));
  const error = await rejection(missing.result());
  assert.equal(error.step, "c");
  assert.equal(error.code, "not_found");
});
