/**
 * A step and the local steps it alone feeds (a chain, a fan-out and its
 * fan-in) run as one job in one worker (each consumer reads its producers'
 * outputs where they were written): the bytes, the trace, the metrics and
 * the failures must be as if they ran one after the other.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { randomBytes, until } from "../_helpers/data.ts";
import { REPO_ROOT, sha256, startNode } from "../_helpers/node_process.ts";
import type { EdgeTrace, StepTrace, TraceEntry } from "../../workflow/mod.ts";

const example = (name: string) =>
  Deno.readFile(join(REPO_ROOT, `examples/${name}/${name}.wasm`));

async function putModule(url: string, name: string): Promise<string> {
  const res = await fetch(`${url}/v1/modules`, {
    method: "PUT",
    headers: { "content-type": "application/wasm" },
    body: await example(name),
  });
  assert.ok(res.status < 300, await res.clone().text());
  return (await res.json()).digest;
}

async function post(url: string, type: string, body: string): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": type },
    body,
  });
  assert.ok(res.status < 300, await res.clone().text());
  await res.body?.cancel();
}

/** A node with the functions these tests pair, and their workflows. */
async function pairNode() {
  const node = await startNode({ flags: ["--node-id", "a", "--workers", "2"] });
  const echo = await putModule(node.url, "echo");
  const upper = await putModule(node.url, "uppercase");
  const hash = await putModule(node.url, "sha256");
  const fail = await putModule(node.url, "fail");
  const primes = await putModule(node.url, "primes");
  await post(
    `${node.url}/v1/manifests`,
    "application/yaml",
    `functions:
  - {name: slow, module: "${primes}", args: ["200000"]}
  - {name: src, module: "${echo}"}
  - {name: up, module: "${upper}"}
  - {name: hash, module: "${hash}"}
  - {name: exit3, module: "${fail}", args: ["3"]}
  - {name: small, module: "${echo}", limits: {maxInput: 1KiB}}
  - {name: single, module: "${upper}", limits: {concurrency: 1}}
`,
  );
  const workflow = (name: string, steps: string) =>
    post(
      `${node.url}/v1/workflows`,
      "application/yaml",
      `name: ${name}\nsteps:\n${steps}`,
    );
  // s, u and h run as one job.
  await workflow(
    "chain",
    "  - {name: s, function: src}\n  - {name: u, function: up, after: [s]}\n  - {name: h, function: hash, after: [u]}\n",
  );
  // a fan-out and its fan-in: one job while every function runs briefly.
  const diamond = (b: string) =>
    `  - {name: a, function: src}\n  - {name: b, function: ${b}, after: [a]}\n  - {name: c, function: up, after: [a]}\n  - {name: d, function: src, after: [b, c]}\n`;
  await workflow("diamond", diamond("hash"));
  await workflow("diamond-slow", diamond("slow"));
  await workflow(
    "late-fail",
    "  - {name: s, function: src}\n  - {name: f, function: exit3, after: [s]}\n",
  );
  await workflow(
    "early-fail",
    "  - {name: f, function: exit3}\n  - {name: s, function: src, after: [f]}\n",
  );
  // A function paired with itself takes one slot of its concurrency.
  await workflow(
    "twice",
    "  - {name: a, function: single}\n  - {name: b, function: single, after: [a]}\n",
  );
  await workflow(
    "narrow",
    "  - {name: s, function: src}\n  - {name: n, function: small, after: [s]}\n",
  );
  return node;
}

/** The steps and edges of a run's trace (its `x-eddy-trace` header). */
function traceOf(res: Response): { steps: StepTrace[]; edges: EdgeTrace[] } {
  const trace: TraceEntry[] = JSON.parse(res.headers.get("x-eddy-trace")!);
  return {
    steps: trace.filter((t): t is StepTrace => t.kind === "step"),
    edges: trace.filter((t): t is EdgeTrace => t.kind === "edge"),
  };
}

function upper(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.map((b) => b >= 97 && b <= 122 ? b - 32 : b);
}

Deno.test("a chain of local steps runs in one worker: exact bytes, every step and edge traced, each counted", async () => {
  await using node = await pairNode();
  const sizes = [0, 1000, 64 << 10, 1 << 20, 16 << 20];
  for (const size of sizes) {
    const input = randomBytes(size);
    const res = await fetch(`${node.url}/workflows/chain`, {
      method: "POST",
      body: input,
    });
    const output = await res.text();
    assert.equal(res.status, 200, output.slice(0, 500));
    assert.equal(output, `${await sha256(upper(input))}\n`, `size ${size}`);
    const { steps, edges } = traceOf(res);
    assert.deepEqual(steps.map((t) => t.step), ["s", "u", "h"]);
    const [s, u, h] = steps;
    assert.equal(s.inputBytes, size);
    assert.equal(s.outputBytes, size);
    assert.equal(u.inputBytes, size);
    assert.equal(h.inputBytes, size);
    assert.equal(h.outputBytes, 65);
    assert.ok(s.end! <= u.start + 1e-6, "the consumer starts after");
    assert.ok(u.end! <= h.start + 1e-6, "the consumer starts after");
    assert.deepEqual(
      edges.map((e) => [e.from, e.to, e.mode, e.sameIsolate ?? false]),
      [
        ["$input", "s", "memory", false],
        ["s", "u", "memory", true],
        ["u", "h", "memory", true],
        ["h", "$output", "memory", false],
      ],
    );
    assert.equal(edges[1].bytes, size);
  }
  // Concurrent runs stay apart: each gets its own hash.
  const inputs = Array.from({ length: 12 }, (_, i) => randomBytes(i << 16));
  const outputs = await Promise.all(inputs.map(async (input) => {
    const res = await fetch(`${node.url}/workflows/chain`, {
      method: "POST",
      body: input,
    });
    return await res.text();
  }));
  for (const [i, input] of inputs.entries()) {
    assert.equal(outputs[i], `${await sha256(upper(input))}\n`);
  }
  const metrics = await (await fetch(`${node.url}/metrics`)).text();
  const runs = sizes.length + inputs.length;
  for (const fn of ["src", "up", "hash"]) {
    assert.match(
      metrics,
      new RegExp(`eddy_invocations_total\\{function="${fn}"\\} ${runs}\\b`),
      fn,
    );
  }
});

Deno.test("a fan-out and its fan-in run in one worker: exact bytes, every step and edge traced", async () => {
  await using node = await pairNode();
  // A function's first runs cost more (a cold worker): its estimate comes
  // down to its brief runs within ten.
  for (let i = 0; i < 12; i++) {
    const res = await fetch(`${node.url}/workflows/diamond`, {
      method: "POST",
      body: "warm",
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
  }
  const run = async (input: Uint8Array<ArrayBuffer>) => {
    const res = await fetch(`${node.url}/workflows/diamond`, {
      method: "POST",
      body: input,
    });
    const output = new Uint8Array(await res.arrayBuffer());
    assert.equal(res.status, 200, new TextDecoder().decode(output));
    const hash = new TextEncoder().encode(`${await sha256(input)}\n`);
    assert.deepEqual(output, new Uint8Array([...hash, ...upper(input)]));
    return traceOf(res);
  };
  for (const size of [0, 1000, 16 << 10, 64 << 10]) {
    const input = randomBytes(size);
    // A run slowed by a loaded machine makes its function look long for a
    // few runs (its branches then run apart): a few tries.
    let trace = await run(input);
    for (let i = 0; i < 8 && !trace.edges.some((e) => e.sameIsolate); i++) {
      trace = await run(input);
    }
    const { steps, edges } = trace;
    assert.deepEqual(steps.map((t) => t.step), ["a", "b", "c", "d"]);
    assert.deepEqual(steps.map((t) => t.inputBytes), [
      size,
      size,
      size,
      size + 65,
    ]);
    for (let k = 1; k < 4; k++) {
      assert.ok(
        steps[k - 1].end! <= steps[k].start + 1e-6,
        "one after another",
      );
    }
    assert.deepEqual(
      edges.map((e) => [e.from, e.to, e.bytes, e.sameIsolate ?? false]),
      [
        ["$input", "a", size, false],
        ["a", "b", size, true],
        ["a", "c", size, true],
        ["b", "d", 65, true],
        ["c", "d", size, true],
        ["d", "$output", size + 65, false],
      ],
      `size ${size}`,
    );
  }
  const metrics = await (await fetch(`${node.url}/metrics`)).text();
  const runs = (fn: string) =>
    Number(
      metrics.match(
        new RegExp(`eddy_invocations_total\\{function="${fn}"\\} (\\d+)`),
      )?.[1],
    );
  assert.equal(runs("src"), 2 * runs("hash"), "a and d ran once a run");
  assert.equal(runs("up"), runs("hash"));
});

Deno.test("a fan-out of a long function runs its branches as jobs of their own", async () => {
  await using node = await pairNode();
  const run = async () => {
    const res = await fetch(`${node.url}/workflows/diamond-slow`, {
      method: "POST",
      body: "branch",
    });
    const output = await res.text();
    assert.equal(res.status, 200, output);
    assert.equal(output, "17984\nBRANCH");
    return traceOf(res);
  };
  // Its first run is guessed brief; once it ran, it is known to be long.
  await run();
  const trace = await run();
  const together = trace.edges.filter((e) => e.sameIsolate);
  assert.deepEqual(together, [], "no step ran in another's job");
});

Deno.test("a group's failure names the step that failed, and the node goes on", async () => {
  await using node = await pairNode();
  const run = async (
    workflow: string,
    body: Uint8Array<ArrayBuffer> | string,
  ) => {
    const res = await fetch(`${node.url}/workflows/${workflow}`, {
      method: "POST",
      body,
    });
    return { status: res.status, error: (await res.json()).error };
  };
  const late = await run("late-fail", "x");
  assert.equal(late.error.code, "exit");
  assert.equal(late.error.step, "f");
  assert.equal(late.error.function, "exit3");
  assert.match(late.error.stderr, /something went wrong/);

  const early = await run("early-fail", "x");
  assert.equal(early.error.code, "exit");
  assert.equal(early.error.step, "f");
  assert.equal(early.error.function, "exit3");

  // The consumer's own maxInput bounds what the producer hands it.
  const narrow = await run("narrow", randomBytes(2048));
  assert.equal(narrow.status, 413, JSON.stringify(narrow.error));
  assert.equal(narrow.error.code, "input_too_large");
  assert.equal(narrow.error.step, "n");
  assert.equal(narrow.error.function, "small");
  assert.match(narrow.error.message, /2048 bytes exceeds its limit of 1024/);

  const ok = await fetch(`${node.url}/workflows/narrow`, {
    method: "POST",
    body: "fits",
  });
  assert.equal(await ok.text(), "fits");
  const twice = await fetch(`${node.url}/workflows/twice`, {
    method: "POST",
    body: "once more",
  });
  assert.equal(await twice.text(), "ONCE MORE");
  const metrics = await (await fetch(`${node.url}/metrics`)).text();
  // exit3 failed twice, once as each stage; src ran in late-fail (lead),
  // narrow twice; never in early-fail, whose first stage failed.
  assert.match(metrics, /eddy_invocations_total\{function="exit3"\} 2\b/);
  assert.match(metrics, /eddy_invocations_total\{function="src"\} 3\b/);
});

Deno.test("a participant node pairs its own steps: exact bytes, its trace with the edge, its failures named", async () => {
  await using a = await startNode({
    flags: ["--node-id", "a", "--host-id", "h1"],
  });
  await using b = await startNode({
    flags: ["--node-id", "b", "--host-id", "h1", "--peer", a.url],
  });
  const echo = await putModule(a.url, "echo");
  await post(
    `${a.url}/v1/manifests`,
    "application/yaml",
    `functions: [{name: src, module: "${echo}"}]`,
  );
  const up = await putModule(b.url, "uppercase");
  const hash = await putModule(b.url, "sha256");
  const fail = await putModule(b.url, "fail");
  await post(
    `${b.url}/v1/manifests`,
    "application/yaml",
    `functions:
  - {name: up, module: "${up}"}
  - {name: hash, module: "${hash}"}
  - {name: exit3, module: "${fail}", args: ["3"]}
`,
  );
  await until("a sees b's functions", async () => {
    const { peers } = await (await fetch(`${a.url}/v1/peers`)).json();
    return peers.some((p: { info?: { functions: string[] } }) =>
      ["up", "hash", "exit3"].every((f) => p.info?.functions.includes(f))
    );
  });
  await post(
    `${a.url}/v1/workflows`,
    "application/yaml",
    "name: across\nsteps:\n  - {name: s, function: src}\n  - {name: u, function: up, after: [s]}\n  - {name: h, function: hash, after: [u]}\n",
  );
  await post(
    `${a.url}/v1/workflows`,
    "application/yaml",
    "name: across-fail\nsteps:\n  - {name: s, function: src}\n  - {name: u, function: up, after: [s]}\n  - {name: f, function: exit3, after: [u]}\n",
  );
  const input = randomBytes(1 << 20);
  const res = await fetch(`${a.url}/workflows/across`, {
    method: "POST",
    body: input,
  });
  const output = await res.text();
  assert.equal(res.status, 200, output.slice(0, 500));
  assert.equal(output, `${await sha256(upper(input))}\n`);
  assert.deepEqual(
    traceOf(res).edges.map((
      e,
    ) => [e.from, e.to, e.mode, e.sameIsolate ?? false]),
    [
      ["$input", "s", "memory", false],
      ["s", "u", "unix", false],
      ["u", "h", "memory", true],
      ["h", "$output", "unix", false],
    ],
  );
  const failed = await fetch(`${a.url}/workflows/across-fail`, {
    method: "POST",
    body: "x",
  });
  const error = (await failed.json()).error;
  assert.equal(error.code, "exit");
  assert.equal(error.step, "f");
  assert.match(error.message, /'b'/);
});
