import assert from "node:assert/strict";
import { join } from "node:path";
import { EddyNode } from "../../node/node.ts";
import { REPO_ROOT } from "../_helpers/node_process.ts";
import { caller } from "../_helpers/guests.ts";
import { tempDir } from "../_helpers/temp.ts";

const example = (name: string) =>
  Deno.readFile(join(REPO_ROOT, `examples/${name}/${name}.wasm`));
const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** Runs `body` against a node in a temp data dir, removed afterwards. */
async function withNode(
  workers: number,
  body: (node: EddyNode) => Promise<void>,
): Promise<void> {
  const dataDir = await tempDir({ prefix: "eddy-test-" });
  const node = await EddyNode.start({ dataDir, workers });
  try {
    await body(node);
  } finally {
    await node.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

Deno.test("a guest calls another function by name and gets its output", async () => {
  await withNode(1, async (node) => {
    await node.deployModule("uppercase", await example("uppercase"));
    await node.deployModule("fail", await example("fail"));
    await node.deployModule("shout", caller("uppercase"));
    await node.deployModule("ghost", caller("nobody"));
    await node.deployModule("failing", caller("fail"));

    // One worker: the callee runs while the caller is parked in the call.
    const shout = await node.invoke("shout", text("hello, eddy"));
    assert.equal(decode(shout.stdout), "0:HELLO, EDDY");
    assert.equal(shout.calls?.length, 1);
    assert.equal(shout.calls![0].fn, "uppercase");
    assert.equal(shout.calls![0].mode, "memory");
    assert.equal(shout.calls![0].bytesOut, 11);

    const many = await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) => node.invoke("shout", text(`call ${i}`)),
      ),
    );
    many.forEach((r, i) => assert.equal(decode(r.stdout), `0:CALL ${i}`));

    const ghost = await node.invoke("ghost", text("x"));
    assert.match(decode(ghost.stdout), /^1:.*not_found/);
    const failing = await node.invoke("failing", text("x"));
    assert.match(decode(failing.stdout), /^2:.*something went wrong/);
  });
});

Deno.test("the C and AssemblyScript examples call functions by name", async () => {
  await withNode(2, async (node) => {
    for (const name of ["uppercase", "sha256", "relay", "pipeline"]) {
      await node.deployModule(name, await example(name));
    }
    const relayed = await node.invoke("relay", text("hi there\n"), {
      args: ["uppercase"],
    });
    assert.equal(decode(relayed.stdout), "HI THERE\n");
    const hashed = await node.invoke("pipeline", text("hi\n"));
    assert.equal(
      decode(hashed.stdout),
      "f712374589a4f37f0fd6b941a104c7ccf43f68b1fdecb4d5cd88b80acbf98fc2\n",
    );
    assert.deepEqual(hashed.calls?.map((c) => c.fn), ["uppercase", "sha256"]);
    await assert.rejects(
      node.invoke("relay", text("x"), { args: ["missing"] }),
      (e: Error & { details?: { stderr?: string } }) =>
        /calling missing failed \(status 1\)/.test(e.details?.stderr ?? ""),
    );
  });
});

Deno.test("a caller parked past its deadline times out alone", async () => {
  await withNode(1, async (node) => {
    await node.deployModule("slow", await example("spin"), {
      limits: { timeout: "1500ms" },
    });
    await node.deployModule("impatient", caller("slow"), {
      limits: { timeout: "200ms" },
    });
    await node.deployModule("echo", await example("echo"));
    // The worker is up and the modules compiled before the clock starts,
    // so that only the caller's own wait is timed.
    await node.invoke("echo", text("warm"));
    const started = performance.now();
    await assert.rejects(
      node.invoke("impatient", text("x")),
      (e: Error) => /200 ms timeout/.test(e.message),
    );
    assert.ok(
      performance.now() - started < 1200,
      "the caller did not wait for its callee",
    );
    const echo = await node.invoke("echo", text("still here"));
    assert.equal(decode(echo.stdout), "still here");
  });
});

Deno.test("eddy run answers calls with 'not available'", async () => {
  const dir = await tempDir({ prefix: "eddy-test-" });
  const path = join(dir, "shout.wasm");
  await Deno.writeFile(path, caller("uppercase"));
  const { cli } = await import("../_helpers/node_process.ts");
  const out = await cli(["run", path], { stdin: text("x") });
  await Deno.remove(dir, { recursive: true });
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdoutText, /^4:calls to other functions are not available/);
});

Deno.test("a peer's call with a chain out of range is refused, never trusted", async () => {
  await withNode(1, async (node) => {
    await node.deployModule("echo", await example("echo"));
    const call = (headers: Record<string, string>) =>
      node.remote.handler({ target: "echo", headers, payload: text("hi") });
    const chain = { "call-depth": "2", "call-max-depth": "8" };
    const ok = await call({ ...chain, "deadline-ms": "5000" });
    assert.equal(ok.status, 200);
    assert.equal(decode(ok.payload), "hi");
    for (
      const bad of [
        { ...chain, "deadline-ms": "-1" },
        { ...chain, "deadline-ms": "soon" },
        { ...chain, "call-max-depth": "65", "deadline-ms": "5000" },
        { ...chain, "call-depth": "9", "deadline-ms": "5000" },
        { "call-depth": "0", "call-max-depth": "8", "deadline-ms": "5000" },
      ]
    ) {
      const refused = await call(bad);
      assert.equal(refused.status, 400, JSON.stringify(bad));
      assert.match(decode(refused.payload), /bad_call_chain/);
    }
    // Its deadline passed: it is not run.
    const late = await call({ ...chain, "deadline-ms": "0" });
    assert.equal(late.status, 504);
  });
});

Deno.test("a call past the chain's depth is refused with status 5; the trace says why", async () => {
  await withNode(1, async (node) => {
    await node.deployModule("uppercase", await example("uppercase"));
    await node.deployModule("shout", caller("uppercase"));
    const chain = { depth: 3, maxDepth: 3, deadline: Date.now() + 5000 };
    const refused = await node.invoke("shout", text("hi"), { chain });
    const out = decode(refused.stdout);
    assert.match(out, /^5:/);
    const error = JSON.parse(out.slice(2)).error;
    assert.equal(error.code, "call_depth_exceeded");
    assert.deepEqual(
      [error.function, error.caller, error.depth, error.limit],
      ["uppercase", "shout", 4, 3],
    );
    assert.equal(refused.calls?.[0].status, 508);
    assert.match(refused.calls?.[0].error ?? "", /depth 4.*limit is 3/);
    // One level higher, the same call goes through.
    const allowed = await node.invoke("shout", text("hi"), {
      chain: { ...chain, depth: 2 },
    });
    assert.equal(decode(allowed.stdout), "0:HI");
  });
});
