import assert from "node:assert/strict";
import { join } from "node:path";
import { randomBytes, until } from "../_helpers/data.ts";
import {
  REPO_ROOT,
  sha256,
  startCluster,
  startNode,
} from "../_helpers/node_process.ts";

const example = (name: string) =>
  Deno.readFile(join(REPO_ROOT, `examples/${name}/${name}.wasm`));

async function deploy(url: string, name: string, module: string, query = "") {
  const res = await fetch(`${url}/v1/functions/${name}${query}`, {
    method: "PUT",
    headers: { "content-type": "application/wasm" },
    body: await example(module),
  });
  assert.equal(res.status, 201, await res.clone().text());
  await res.body?.cancel();
}

async function putWorkflow(url: string, yaml: string) {
  const res = await fetch(`${url}/v1/workflows`, {
    method: "POST",
    headers: { "content-type": "application/yaml" },
    body: yaml,
  });
  assert.equal(res.status, 201, await res.clone().text());
  await res.body?.cancel();
}

async function seesAll(url: string, functions: string[]): Promise<boolean> {
  const { peers } = await (await fetch(`${url}/v1/peers`)).json();
  const known = peers.flatMap((p: { info?: { functions: string[] } }) =>
    p.info?.functions ?? []
  );
  return functions.every((f) => known.includes(f));
}

function upper(bytes: Uint8Array): Uint8Array {
  return bytes.map((b) => b >= 97 && b <= 122 ? b - 32 : b);
}

/** What examples/wordcount prints: lines, runs of non-whitespace, bytes. */
function wc(bytes: Uint8Array): string {
  let lines = 0, words = 0, inWord = false;
  for (const b of bytes) {
    if (b === 10) lines++;
    const space = b === 32 || (b >= 9 && b <= 13);
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return `${lines} ${words} ${bytes.length}\n`;
}

const SPREAD = `
name: spread
steps:
  - name: up
    function: up
  - name: hash
    function: hash
    after: [up]
  - name: count
    function: count
    after: [up]
  - name: copy
    function: copy
    after: [up]
  - name: join
    function: join
    after: [hash, count, copy]
output: join
`;

interface Trace {
  kind: "step" | "edge";
  step?: string;
  node?: string;
  from?: string;
  to?: string;
  mode?: string;
  bytes?: number;
  durationMs?: number;
  transferMs?: number;
}

Deno.test("a workflow spread over three nodes runs as a data flow, by the cheapest modes", async () => {
  await using cluster = await startCluster();
  const { a, b, c } = cluster;
  await deploy(a.url, "up", "uppercase");
  await deploy(a.url, "copy", "echo");
  await deploy(a.url, "join", "echo");
  await deploy(b.url, "hash", "sha256");
  await deploy(c.url, "count", "wordcount");
  await until("a sees hash and count", () => seesAll(a.url, ["hash", "count"]));

  await putWorkflow(a.url, SPREAD);

  for (const size of [0, 1024, 1 << 20, 32 << 20]) {
    const input = randomBytes(size);
    const res = await fetch(`${a.url}/workflows/spread`, {
      method: "POST",
      body: input,
    });
    const output = new Uint8Array(await res.arrayBuffer());
    assert.equal(
      res.status,
      200,
      new TextDecoder().decode(output.subarray(0, 500)),
    );
    const up = upper(input);
    const expected = new Uint8Array([
      ...new TextEncoder().encode(`${await sha256(up)}\n${wc(up)}`),
    ]);
    assert.equal(
      output.byteLength,
      expected.byteLength + up.byteLength,
      `size ${size}`,
    );
    assert.deepEqual(output.subarray(0, expected.byteLength), expected);
    assert.equal(
      await sha256(output.subarray(expected.byteLength)),
      await sha256(up),
      `size ${size}: the copied branch`,
    );

    const trace: Trace[] = JSON.parse(res.headers.get("x-eddy-trace")!);
    // Each part's trace once, whether it came with the part's last
    // delivery or with its answer to the start message.
    assert.equal(trace.filter((t) => t.kind === "step").length, 5);
    assert.equal(trace.filter((t) => t.kind === "edge").length, 8);
    const steps = Object.fromEntries(
      trace.filter((t) => t.kind === "step").map((t) => [t.step, t.node]),
    );
    assert.deepEqual(steps, {
      up: "a",
      hash: "b",
      count: "c",
      copy: "a",
      join: "a",
    });
    const modes = Object.fromEntries(
      trace.filter((t) => t.kind === "edge").map((
        t,
      ) => [`${t.from}>${t.to}`, t.mode]),
    );
    assert.equal(modes["up>hash"], "unix");
    assert.equal(modes["up>count"], "http2");
    assert.equal(modes["up>copy"], "memory");
    assert.equal(modes["hash>join"], "unix");
    assert.equal(modes["count>join"], "http2");
    assert.equal(modes["copy>join"], "memory");
    for (
      const edge of trace.filter((t) => t.kind === "edge" && t.from === "up")
    ) {
      assert.equal(edge.bytes, size);
      assert.ok(edge.transferMs! >= 0);
    }
  }
});

const FORK = `
name: fork
steps:
  - { name: src, function: src }
  - { name: left, function: hash, after: [src] }
  - { name: right, function: hash, after: [src] }
  - { name: join, function: join, after: [left, right] }
output: join
`;

Deno.test("one step feeding two consumers in memory mode: each gets the exact bytes", async () => {
  await using a = await startNode({ flags: ["--node-id", "a"] });
  await deploy(a.url, "src", "echo");
  await deploy(a.url, "hash", "sha256");
  await deploy(a.url, "join", "echo");
  await putWorkflow(a.url, FORK);
  for (const size of [1 << 20, 5 << 20, 16 << 20]) {
    const input = randomBytes(size);
    const digest = await sha256(input);
    const res = await fetch(`${a.url}/workflows/fork`, {
      method: "POST",
      body: input,
    });
    const output = await res.text();
    assert.equal(res.status, 200, output.slice(0, 500));
    // A consumer that got its sibling's (transferred, emptied) buffer
    // would hash nothing, or fail to receive it at all.
    assert.equal(output, `${digest}\n${digest}\n`, `size ${size}`);
    const trace: Trace[] = JSON.parse(res.headers.get("x-eddy-trace")!);
    const edges = trace.filter((t) => t.kind === "edge");
    assert.equal(edges.length, 6);
    for (const edge of edges) assert.equal(edge.mode, "memory");
    for (const edge of edges.filter((e) => e.from === "src")) {
      assert.equal(edge.bytes, size);
    }
  }
});

const ROUND_TRIP = `
name: round-trip
steps:
  - { name: up, function: up }
  - { name: back, function: back, after: [up] }
output: back
`;

Deno.test("payloads over a Unix socket, many runs at once: every output exact, none served twice", async () => {
  // The receiving node reads payloads into shared buffers it hands out
  // again once a run is done with them, and each node gives a sent output
  // back to its workers for later outputs (one larger spare past 4 MiB):
  // one reused too early would give some run another run's bytes.
  await using cluster = await startCluster();
  const { a, b } = cluster;
  await deploy(a.url, "up", "uppercase");
  await deploy(b.url, "back", "echo");
  await until("a sees back", () => seesAll(a.url, ["back"]));
  await putWorkflow(a.url, ROUND_TRIP);
  for (const [round, size] of [1 << 20, 1 << 20, 1 << 20, 6 << 20].entries()) {
    await Promise.all(Array.from({ length: 6 }, async (_, i) => {
      const input = randomBytes(size);
      const res = await fetch(`${a.url}/workflows/round-trip`, {
        method: "POST",
        body: input,
      });
      const output = new Uint8Array(await res.arrayBuffer());
      assert.equal(res.status, 200, new TextDecoder().decode(output));
      assert.equal(
        await sha256(output),
        await sha256(upper(input)),
        `round ${round}, run ${i}`,
      );
      const trace: Trace[] = JSON.parse(res.headers.get("x-eddy-trace")!);
      const edges = trace.filter((t) => t.kind === "edge");
      assert.ok(edges.some((e) => e.from === "up" && e.mode === "unix"));
    }));
  }
});

Deno.test("each run is placed on the cluster as it is then: deploys, removals and a peer going down move it", async () => {
  // Plans are kept while the cluster stays as it was: a kept one that
  // outlived a change would send the step where its function is not.
  await using cluster = await startCluster();
  const { a, b } = cluster;
  await deploy(b.url, "up", "uppercase");
  await until("a sees up", () => seesAll(a.url, ["up"]));
  await putWorkflow(
    a.url,
    "name: follow\nsteps:\n  - {name: up, function: up}\n",
  );
  const ranOn = async () => {
    const res = await fetch(`${a.url}/workflows/follow`, {
      method: "POST",
      body: "moved",
    });
    const body = await res.text();
    if (res.status !== 200) return { status: res.status, body };
    assert.equal(body, "MOVED");
    const trace: Trace[] = JSON.parse(res.headers.get("x-eddy-trace")!);
    return { status: 200, node: trace.find((t) => t.step === "up")!.node };
  };
  assert.deepEqual(await ranOn(), { status: 200, node: "b" });
  assert.deepEqual(await ranOn(), { status: 200, node: "b" });
  await deploy(a.url, "up", "uppercase");
  assert.deepEqual(await ranOn(), { status: 200, node: "a" });
  const removed = await fetch(`${a.url}/v1/functions/up`, { method: "DELETE" });
  assert.equal(removed.status, 200, await removed.text());
  assert.deepEqual(await ranOn(), { status: 200, node: "b" });
  await b.kill();
  let last: { status: number; body?: string } = { status: 0 };
  await until("runs refused once b is seen down", async () => {
    last = await ranOn();
    return last.status === 503;
  });
  assert.match(last.body!, /'b'/);
});

Deno.test("a node killed mid-workflow fails the run with an error naming it", async () => {
  await using a = await startNode({
    flags: ["--node-id", "a", "--host-id", "h1"],
  });
  const c = await startNode({
    flags: ["--node-id", "c", "--host-id", "h2", "--peer", a.url],
  });
  try {
    await deploy(a.url, "first", "echo");
    // primes 30000000 takes seconds: c is killed while it runs.
    const res = await fetch(`${c.url}/v1/manifests`, {
      method: "POST",
      headers: { "content-type": "application/yaml" },
      body: `functions: [{name: slow, module: "${
        (await (await fetch(`${c.url}/v1/modules`, {
          method: "PUT",
          headers: { "content-type": "application/wasm" },
          body: await example("primes"),
        }))
          .json()).digest
      }", args: ["30000000"], limits: {timeout: 60s}}]`,
    });
    assert.equal(res.status, 200, await res.clone().text());
    await res.body?.cancel();
    await until("a sees slow", () => seesAll(a.url, ["slow"]));
    await putWorkflow(
      a.url,
      "name: doomed\nsteps:\n  - {name: first, function: first}\n  - {name: slow, function: slow, after: [first]}\n",
    );

    const started = Date.now();
    const run = fetch(`${a.url}/workflows/doomed`, {
      method: "POST",
      body: "x",
    });
    await new Promise((r) => setTimeout(r, 500));
    await c.kill();
    const failed = await run;
    const error = (await failed.json()).error;
    assert.ok(Date.now() - started < 10_000, "bounded");
    assert.ok(failed.status >= 500, JSON.stringify(error));
    assert.match(error.message, /'c'/);
    assert.match(error.message, /slow/);
  } finally {
    await c.kill();
  }
});

Deno.test("bad workflows are refused with the field; nothing deployed is lost", async () => {
  await using a = await startNode({ flags: ["--node-id", "a"] });
  await deploy(a.url, "echo", "echo");
  const good = await fetch(`${a.url}/v1/workflows`, {
    method: "POST",
    headers: { "content-type": "application/yaml" },
    body: "name: ok\nsteps:\n  - {name: one, function: echo}\n",
  });
  assert.equal(good.status, 201);
  await good.body?.cancel();
  const cases: [string, RegExp][] = [
    [
      "name: w\nsteps:\n  - {name: one, function: nope}\n",
      /steps\[0\]\.function/,
    ],
    [
      "name: w\nsteps:\n  - {name: a, function: echo, after: [b]}\n  - {name: b, function: echo, after: [a]}\n",
      /cycle/,
    ],
    [
      "name: w\nsteps:\n  - {name: a, function: echo, after: [ghost]}\n",
      /steps\[0\]\.after/,
    ],
    [
      "name: w\nsteps:\n  - {name: a, function: echo, on: elsewhere}\n",
      /steps\[0\]\.on/,
    ],
    [
      "name: w\nsteps:\n  - {name: a, function: echo, via: pigeon}\n",
      /steps\[0\]\.via/,
    ],
    ["name: w\nstepz: []\n", /stepz/],
  ];
  for (const [body, field] of cases) {
    const res = await fetch(`${a.url}/v1/workflows`, {
      method: "POST",
      headers: { "content-type": "application/yaml" },
      body,
    });
    const { error } = await res.json();
    assert.equal(res.status, 400, body);
    assert.equal(error.code, "invalid_workflow");
    assert.match(error.message, field, body);
  }
  const list = await (await fetch(`${a.url}/v1/workflows`)).json();
  assert.deepEqual(list.workflows.map((w: { name: string }) => w.name), ["ok"]);
  const run = await fetch(`${a.url}/workflows/ok`, {
    method: "POST",
    body: "still",
  });
  assert.equal(await run.text(), "still");
  const missing = await fetch(`${a.url}/workflows/nope`, {
    method: "POST",
    body: "x",
  });
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});
