import assert from "node:assert/strict";
import { join } from "node:path";
import { createApp } from "../../api/app.ts";
import { EddyNode } from "../../node/node.ts";
import { REPO_ROOT } from "../_helpers/node_process.ts";
import { tempDir } from "../_helpers/temp.ts";

const echo = await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm"));

async function withApp(
  fn: (app: ReturnType<typeof createApp>, node: EddyNode) => Promise<void>,
  token?: string,
) {
  const dataDir = await tempDir();
  const node = await EddyNode.start({
    dataDir,
    workers: 1,
    nodeId: "test-node",
  });
  try {
    await fn(createApp(node, { token, maxModuleBytes: 1 << 20 }), node);
  } finally {
    await node.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

Deno.test("healthz, node info and metrics", () =>
  withApp(async (app) => {
    const health = await app.request("/healthz");
    assert.deepEqual(await health.json(), { status: "ok", node: "test-node" });
    const info = await (await app.request("/v1/node")).json();
    assert.equal(info.id, "test-node");
    assert.deepEqual(info.functions, []);
    assert.equal(info.locality.nodeId, "test-node");
    assert.equal(typeof info.locality.hostId, "string");
    const metrics = await app.request("/metrics");
    assert.match(metrics.headers.get("content-type")!, /^text\/plain/);
    assert.match(await metrics.text(), /# TYPE eddy_invocations_total counter/);
  }));

Deno.test("module upload, function deploy and invocation headers", () =>
  withApp(async (app) => {
    const mod = await app.request("/v1/modules", {
      method: "PUT",
      headers: { "content-type": "application/wasm" },
      body: echo,
    });
    assert.equal(mod.status, 201);
    const info = await mod.json();
    assert.match(info.digest, /^sha256:/);
    assert.equal(
      (await (await app.request(`/v1/modules/${info.digest}`)).json()).digest,
      info.digest,
    );

    const put = await app.request("/v1/functions/echo", {
      method: "PUT",
      headers: { "content-type": "application/wasm" },
      body: echo,
    });
    assert.equal(put.status, 201);
    await put.body?.cancel();
    const again = await app.request("/v1/functions/echo", {
      method: "PUT",
      headers: { "content-type": "application/wasm" },
      body: echo,
    });
    assert.equal(again.status, 200);
    assert.equal((await again.json()).revision, 2);

    const res = await app.request("/invoke/echo", {
      method: "POST",
      body: "ping",
    });
    assert.equal(await res.text(), "ping");
    assert.equal(res.headers.get("x-eddy-exit-code"), "0");
    assert.equal(res.headers.get("x-eddy-node"), "test-node");
    assert.match(res.headers.get("x-eddy-duration-ms")!, /^\d+\.\d{3}$/);
    const metrics = await (await app.request("/metrics")).text();
    assert.match(metrics, /eddy_invocations_total\{function="echo"\} 1/);
  }));

Deno.test("oversized module upload is refused before it is stored", () =>
  withApp(async (app, node) => {
    const res = await app.request("/v1/modules", {
      method: "PUT",
      headers: { "content-type": "application/wasm" },
      body: new Uint8Array(2 << 20),
    });
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error.code, "module_too_large");
    assert.equal((await node.registry.modules.list()).length, 0);
  }));

Deno.test("documents over 1 MiB are refused by their declared or streamed size", () =>
  withApp(async (app, node) => {
    const big = new Uint8Array((1 << 20) + 1).fill(0x20);
    const declared = await app.request("/v1/manifests", {
      method: "POST",
      headers: {
        "content-type": "application/yaml",
        "content-length": String(big.byteLength),
      },
      body: big,
    });
    assert.equal(declared.status, 413);
    const { error } = await declared.json();
    assert.equal(error.code, "manifest_too_large");
    assert.equal(error.limit, 1 << 20);
    assert.match(error.message, new RegExp(`of ${big.byteLength} bytes`));
    const streamed = await app.request("/v1/workflows", {
      method: "POST",
      headers: { "content-type": "application/yaml" },
      body: ReadableStream.from([
        big.subarray(0, 1 << 19),
        big.subarray(1 << 19),
      ]),
    });
    assert.equal(streamed.status, 413);
    const refused = (await streamed.json()).error;
    assert.equal(refused.code, "workflow_too_large");
    assert.match(refused.message, /of more than 1048576 bytes/);
    assert.equal(node.workflows.list().length, 0);
  }));

Deno.test("a workflow run's input is refused past 1 GiB by its declared size, before it is read", () =>
  withApp(async (app) => {
    const res = await app.request("/workflows/thumbs", {
      method: "POST",
      headers: { "content-length": String(2 ** 31) },
      body: "a body that never comes whole",
    });
    assert.equal(res.status, 413);
    const { error } = await res.json();
    assert.equal(error.code, "input_too_large");
    assert.equal(
      error.message,
      "input of 2147483648 bytes exceeds the 1073741824 bytes a workflow run takes",
    );
  }));

Deno.test("unknown routes and functions answer JSON errors", () =>
  withApp(async (app) => {
    const route = await app.request("/nowhere");
    assert.equal(route.status, 404);
    assert.equal((await route.json()).error.code, "no_route");
    const fn = await app.request("/v1/functions/ghost");
    assert.equal(fn.status, 404);
    assert.deepEqual((await fn.json()).error, {
      code: "not_found",
      message: "no function named 'ghost'",
      kind: "function",
      name: "ghost",
    });
    const del = await app.request("/v1/functions/ghost", { method: "DELETE" });
    assert.equal(del.status, 404);
    await del.body?.cancel();
  }));

Deno.test("token guards management routes only", () =>
  withApp(async (app) => {
    assert.equal((await app.request("/v1/functions")).status, 401);
    const ok = await app.request("/v1/functions", {
      headers: { authorization: "Bearer tok" },
    });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    assert.equal((await app.request("/healthz")).status, 200);
    const invoke = await app.request("/invoke/ghost", { method: "POST" });
    assert.equal(invoke.status, 404);
    await invoke.body?.cancel();
  }, "tok"));
