import assert from "node:assert/strict";
import { join } from "node:path";
import { randomBytes } from "../_helpers/data.ts";
import { REPO_ROOT, sha256, startNode } from "../_helpers/node_process.ts";

const echo = await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm"));
const sha = await Deno.readFile(join(REPO_ROOT, "examples/sha256/sha256.wasm"));

Deno.test("deploy over the API, invoke, restart, invoke again", async () => {
  const node = await startNode();
  try {
    const put = await fetch(`${node.url}/v1/functions/echo`, {
      method: "PUT",
      headers: { "content-type": "application/wasm" },
      body: echo,
    });
    assert.equal(put.status, 201, await put.clone().text());
    const deployed = await put.json();
    assert.equal(deployed.name, "echo");
    assert.match(deployed.module, /^sha256:[0-9a-f]{64}$/);

    for (const size of [0, 1024, 1 << 20]) {
      const input = randomBytes(size);
      const res = await fetch(`${node.url}/invoke/echo`, {
        method: "POST",
        body: input,
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-eddy-exit-code"), "0");
      assert.ok(Number(res.headers.get("x-eddy-duration-ms")) >= 0);
      assert.ok(res.headers.get("x-eddy-node"));
      const out = new Uint8Array(await res.arrayBuffer());
      assert.equal(out.byteLength, size);
      assert.equal(await sha256(out), await sha256(input));
    }

    await node.stop();
    const again = await startNode({ dataDir: node.dataDir });
    try {
      const res = await fetch(`${again.url}/invoke/echo`, {
        method: "POST",
        body: "still here",
      });
      assert.equal(await res.text(), "still here");
      const list = await (await fetch(`${again.url}/v1/functions`)).json();
      assert.deepEqual(list.functions.map((f: { name: string }) => f.name), [
        "echo",
      ]);
    } finally {
      await again.kill();
    }
  } finally {
    await node.kill();
  }
});

Deno.test("a manifest deploys several functions; get, list and delete", async () => {
  await using node = await startNode();
  const upload = async (bytes: Uint8Array<ArrayBuffer>) =>
    (await (await fetch(`${node.url}/v1/modules`, {
      method: "PUT",
      headers: { "content-type": "application/wasm" },
      body: bytes,
    }))
      .json()).digest;
  const echoDigest = await upload(echo);
  const shaDigest = await upload(sha);
  const manifest = `functions:
  - name: echo
    module: ${echoDigest}
  - name: hash
    module: ${shaDigest}
    limits:
      timeout: 2s
      memory: 32MiB
    labels:
      tier: edge
`;
  const applied = await fetch(`${node.url}/v1/manifests`, {
    method: "POST",
    body: manifest,
    headers: { "content-type": "application/yaml" },
  });
  assert.equal(applied.status, 200, await applied.clone().text());
  const { functions } = await applied.json();
  assert.deepEqual(functions.map((f: { name: string }) => f.name), [
    "echo",
    "hash",
  ]);

  const input = randomBytes(3 << 20);
  const res = await fetch(`${node.url}/invoke/hash`, {
    method: "POST",
    body: input,
  });
  assert.equal((await res.text()).trim(), await sha256(input));

  const got = await (await fetch(`${node.url}/v1/functions/hash`)).json();
  assert.equal(got.limits.timeoutMs, 2000);
  assert.equal(got.limits.maxMemoryBytes, 32 << 20);
  assert.deepEqual(got.labels, { tier: "edge" });

  const del = await fetch(`${node.url}/v1/functions/hash`, {
    method: "DELETE",
  });
  assert.equal(del.status, 200);
  await del.body?.cancel();
  const gone = await fetch(`${node.url}/invoke/hash`, {
    method: "POST",
    body: "x",
  });
  assert.equal(gone.status, 404);
  assert.equal((await gone.json()).error.code, "not_found");
  const still = await fetch(`${node.url}/invoke/echo`, {
    method: "POST",
    body: "ok",
  });
  assert.equal(await still.text(), "ok");
});

/** Deploys examples/echo as function `echo` on the node at `url`. */
async function deployEcho(url: string): Promise<void> {
  await (await fetch(`${url}/v1/functions/echo`, {
    method: "PUT",
    headers: { "content-type": "application/wasm" },
    body: echo,
  }))
    .body?.cancel();
}

Deno.test("concurrent invocations all come back exact", async () => {
  await using node = await startNode({ flags: ["--workers", "2"] });
  await deployEcho(node.url);
  const inputs = Array.from(
    { length: 64 },
    (_, i) => randomBytes(1024 + i * 4096),
  );
  const outputs = await Promise.all(inputs.map(async (input) => {
    const res = await fetch(`${node.url}/invoke/echo`, {
      method: "POST",
      body: input,
    });
    return new Uint8Array(await res.arrayBuffer());
  }));
  for (let i = 0; i < inputs.length; i++) {
    assert.equal(await sha256(outputs[i]), await sha256(inputs[i]));
  }
});

Deno.test("large outputs, many at once and round after round, all come back exact", async () => {
  // Each output's buffer goes back to a worker once its response is sent,
  // for a later output to be written in: one taken back too early would
  // give some client another invocation's bytes.
  await using node = await startNode({ flags: ["--workers", "2"] });
  await deployEcho(node.url);
  const sizes = [200_000, 1 << 20, (1 << 20) + 5, 3 << 20, 6 << 20];
  for (let round = 0; round < 3; round++) {
    await Promise.all(Array.from({ length: 8 }, async (_, i) => {
      const input = randomBytes(sizes[(round + i) % sizes.length]);
      const res = await fetch(`${node.url}/invoke/echo`, {
        method: "POST",
        body: input,
      });
      const output = new Uint8Array(await res.arrayBuffer());
      assert.equal(res.status, 200);
      assert.equal(
        await sha256(output),
        await sha256(input),
        `round ${round}, invocation ${i}`,
      );
    }));
  }
});
