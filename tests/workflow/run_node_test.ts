/**
 * The engine with a real node: steps run through `EddyNode.invoke` on the
 * example functions. Two WorkflowRun objects stand for two nodes, connected
 * through comm's memory transport; the real multi-node
 * wiring is the node's.
 */
import assert from "node:assert/strict";
import { EddyNode } from "../../node/node.ts";
import {
  type Cluster,
  type ExecuteFn,
  planWorkflow,
  type StepTrace,
  type TraceEntry,
  WorkflowError,
  type WorkflowPlan,
  WorkflowRun,
} from "../../workflow/mod.ts";
import { specOf, wireRuns, yaml } from "./_helpers.ts";
import { tempDir } from "../_helpers/temp.ts";
import { statusOf } from "../../api/status.ts";

const enc = new TextEncoder();
const FUNCTIONS = [
  "echo",
  "sha256",
  "wordcount",
  "uppercase",
  "fail",
  "primes",
];

/** A node with the example functions deployed, closed after `fn`. */
async function withNode(fn: (node: EddyNode) => Promise<void>): Promise<void> {
  const dataDir = await tempDir({ prefix: "eddy-workflow-" });
  const node = await EddyNode.start({ dataDir, workers: 2 });
  try {
    for (const name of FUNCTIONS) {
      const url = new URL(
        `../../examples/${name}/${name}.wasm`,
        import.meta.url,
      );
      await node.deployModule(name, await Deno.readFile(url));
    }
    await fn(node);
  } finally {
    await node.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** Steps run as invocations of the real node. */
function invoker(node: EddyNode, seen: string[] = []): ExecuteFn {
  return async (step, input) => {
    seen.push(step.name);
    return (await node.invoke(step.function, input, { args: step.args }))
      .stdout;
  };
}

/** One WorkflowRun per node of `plan`, all in this process. */
function runs(
  plan: WorkflowPlan,
  execute: ExecuteFn,
  nodeIds: string[],
): Map<string, WorkflowRun> {
  return wireRuns(plan, execute, nodeIds).runs;
}

/** n1 (the origin, host h1) and n2 (host h2) with these functions. */
function cluster(n1: string[], n2: string[]): Cluster {
  return {
    localNodeId: "n1",
    nodes: [
      { id: "n1", hostId: "h1", functions: n1 },
      { id: "n2", hostId: "h2", functions: n2 },
    ],
  };
}

/** `size` bytes of every value, deterministic: text, binary, whitespace. */
function payload(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let x = 12345;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

function uppercase(bytes: Uint8Array): Uint8Array {
  return bytes.map((c) => c >= 0x61 && c <= 0x7a ? c - 0x20 : c);
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("") +
    "\n";
}

function wordcount(bytes: Uint8Array): string {
  let lines = 0, words = 0, inWord = false;
  for (const c of bytes) {
    if (c === 0x0a) lines++;
    const space = c === 0x20 || (c >= 0x09 && c <= 0x0d);
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return `${lines} ${words} ${bytes.length}\n`;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.length;
  }
  return whole;
}

function step(trace: TraceEntry[], name: string): StepTrace {
  const entry = trace.find((e) => e.kind === "step" && e.step === name);
  assert.ok(entry, `no trace of step '${name}'`);
  return entry as StepTrace;
}

const THUMBNAILS = specOf(yaml(
  "name: thumbnails",
  "steps:",
  "  - { name: up, function: uppercase }",
  "  - { name: hash, function: sha256, after: [up] }",
  "  - { name: count, function: wordcount, after: [up] }",
  "  - { name: join, function: echo, after: [hash, count] }",
));

Deno.test("a fan-out/fan-in workflow across two runs gives exact bytes", async (t) => {
  await withNode(async (node) => {
    const plan = planWorkflow(
      THUMBNAILS,
      cluster(["uppercase", "sha256", "echo"], ["wordcount", "sha256"]),
    );
    assert.deepEqual(plan.steps.map((s) => `${s.name}@${s.node}`), [
      "up@n1",
      "hash@n1",
      "count@n2",
      "join@n1",
    ]);
    for (const size of [0, 1024, 1024 * 1024, 8 * 1024 * 1024]) {
      await t.step(`${size} bytes`, async () => {
        const input = payload(size);
        const upper = uppercase(input);
        const expected = concat(
          enc.encode(await sha256(upper as Uint8Array<ArrayBuffer>)),
          enc.encode(wordcount(upper)),
        );
        const parts = runs(plan, invoker(node), ["n1", "n2"]);
        // The run owns its input (an executor may take the buffer).
        parts.get("n1")!.start(input.slice());
        const [{ output, trace }, remote] = await Promise.all([
          parts.get("n1")!.result(),
          parts.get("n2")!.settled(),
        ]);
        assert.deepEqual(output, expected);
        const edges = [...trace, ...remote].filter((e) => e.kind === "edge");
        assert.deepEqual(
          edges.map((e) => `${e.from}→${e.to} ${e.mode} ${e.bytes}`).sort(),
          [
            `$input→up memory ${size}`,
            `count→join http2 ${wordcount(upper).length}`,
            `hash→join memory 65`,
            `join→$output memory ${expected.length}`,
            `up→count http2 ${size}`,
            `up→hash memory ${size}`,
          ],
        );
        assert.deepEqual(
          remote.filter((e) => e.kind === "step").map((e) => e.node),
          ["n2"],
        );
        const join = step(trace, "join");
        assert.equal(join.inputBytes, expected.length);
        assert.ok(join.start >= step(remote, "count").end);
        assert.ok(join.start >= step(trace, "hash").end);
      });
    }
  });
});

Deno.test("a failing step rejects the run with its name, and its consumers never start", async () => {
  await withNode(async (node) => {
    const spec = specOf(yaml(
      "name: broken",
      "steps:",
      "  - { name: up, function: uppercase }",
      "  - { name: bad, function: fail, args: ['7'], after: [up] }",
      "  - { name: count, function: wordcount, after: [up] }",
      "  - { name: join, function: echo, after: [bad, count] }",
    ));
    const plan = planWorkflow(spec, cluster(FUNCTIONS, []));
    const seen: string[] = [];
    const run = runs(plan, invoker(node, seen), ["n1"]).get("n1")!;
    run.start(enc.encode("hello"));
    const error = await run.result().then(
      () => assert.fail("the run must fail"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof WorkflowError);
    assert.equal(error.step, "bad");
    assert.equal(error.code, "exit");
    assert.equal(statusOf(error), 500);
    assert.match(
      error.message,
      /^workflow 'broken' \(run r1\): step 'bad' on node 'n1' failed: function 'fail' failed: /,
    );
    assert.equal(error.details.function, "fail");
    assert.equal(error.details.exitCode, 7);
    assert.match(String(error.details.stderr), /something went wrong/);
    // Give `count` time to finish: `join` must still not start.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(!seen.includes("join"), `ran: ${seen}`);
  });
});

Deno.test("a step failing on another node fails that part; the node fails the origin", async () => {
  await withNode(async (node) => {
    const spec = specOf(yaml(
      "name: remote",
      "steps:",
      "  - { name: up, function: uppercase }",
      "  - { name: bad, function: fail, after: [up] }",
    ));
    const plan = planWorkflow(spec, cluster(["uppercase"], ["fail"]));
    const parts = runs(plan, invoker(node), ["n1", "n2"]);
    // What the node does when a peer reports its part failed.
    parts.get("n2")!.settled().catch((e) => parts.get("n1")!.abort(e));
    parts.get("n1")!.start(enc.encode("x"));
    await assert.rejects(parts.get("n1")!.result(), (e: unknown) => {
      assert.ok(e instanceof WorkflowError);
      assert.equal(e.step, "bad");
      assert.equal(e.details.node, "n2");
      assert.equal(e.details.exitCode, 1);
      return true;
    });
  });
});

Deno.test("a step starts when its own inputs arrive, not when a slow branch ends", async () => {
  await withNode(async (node) => {
    // up → slow (CPU-bound, ~0.3 s) and up → fast → tail; join waits for both.
    const spec = specOf(yaml(
      "name: branches",
      "steps:",
      "  - { name: up, function: uppercase }",
      "  - { name: slow, function: primes, args: ['3000000'], after: [up] }",
      "  - { name: fast, function: wordcount, after: [up] }",
      "  - { name: tail, function: echo, after: [fast] }",
      "  - { name: join, function: echo, after: [slow, tail] }",
    ));
    const plan = planWorkflow(spec, cluster(FUNCTIONS, []));
    const run = runs(plan, invoker(node), ["n1"]).get("n1")!;
    const input = enc.encode("one two\nthree\n");
    run.start(input.slice());
    const { output, trace } = await run.result();
    assert.equal(
      new TextDecoder().decode(output),
      "216816\n" + wordcount(uppercase(input)),
    );
    const [up, slow, fast, tail, join] = [
      "up",
      "slow",
      "fast",
      "tail",
      "join",
    ].map((name) => step(trace, name));
    assert.ok(slow.start >= up.end && fast.start >= up.end);
    // Both branches ran at once, and tail went ahead while slow was busy.
    assert.ok(fast.start < slow.end, "fast started before slow ended");
    assert.ok(tail.start >= fast.end, "tail waited for fast");
    assert.ok(
      tail.end < slow.end,
      `tail (${tail.start}-${tail.end}) ended before slow (${slow.start}-${slow.end})`,
    );
    assert.ok(join.start >= slow.end && join.start >= tail.end);
  });
});
