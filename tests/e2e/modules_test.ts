import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, REPO_ROOT, startNode } from "../_helpers/node_process.ts";
import { rawRequest } from "../_helpers/raw_http.ts";
import { tempDir } from "../_helpers/temp.ts";

const echo = await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm"));
const sha = await Deno.readFile(join(REPO_ROOT, "examples/sha256/sha256.wasm"));
const WASM = { "content-type": "application/wasm" };
const YAML = { "content-type": "application/yaml" };

async function upload(url: string, bytes: Uint8Array<ArrayBuffer>) {
  const res = await fetch(`${url}/v1/modules`, {
    method: "PUT",
    headers: WASM,
    body: bytes,
  });
  assert.equal(res.status, 201);
  return (await res.json()).digest as string;
}

function storedFiles(dataDir: string): string[] {
  return [...Deno.readDirSync(join(dataDir, "modules"))].map((e) => e.name)
    .sort();
}

async function error(res: Response, status: number) {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  return body.error;
}

Deno.test("DELETE /v1/modules/:digest removes an unused module and refuses a used one", async () => {
  await using node = await startNode();
  const unused = await upload(node.url, sha);
  const used = await upload(node.url, echo);
  const del = (digest: string) =>
    fetch(`${node.url}/v1/modules/${digest}`, { method: "DELETE" });

  const malformed = await error(await del("sha256:abc"), 400);
  assert.equal(malformed.code, "invalid_digest");
  const unknown = await error(await del(`sha256:${"0".repeat(64)}`), 404);
  assert.equal(unknown.code, "not_found");

  const applied = await fetch(`${node.url}/v1/manifests`, {
    method: "POST",
    headers: YAML,
    body:
      `functions: [{name: one, module: "${used}"}, {name: two, module: "${used}"}]`,
  });
  assert.equal(applied.status, 200);
  await applied.body?.cancel();
  const flow = await fetch(`${node.url}/v1/workflows`, {
    method: "POST",
    headers: YAML,
    body: "name: flow\nsteps: [{name: a, function: two}]\n",
  });
  assert.equal(flow.status, 201);
  await flow.body?.cancel();
  const inUse = await error(await del(used), 409);
  assert.equal(inUse.code, "module_in_use");
  assert.deepEqual(inUse.functions, ["one", "two"]);
  assert.deepEqual(inUse.workflows, ["flow"]);
  assert.match(inUse.message, /'one', 'two' \(in workflow 'flow'\)/);
  const still = await fetch(`${node.url}/invoke/one`, {
    method: "POST",
    body: "intact",
  });
  assert.equal(await still.text(), "intact");

  const removed = await del(unused);
  assert.equal(removed.status, 200);
  assert.deepEqual(await removed.json(), { removed: unused });
  assert.equal((await error(await del(unused), 404)).code, "not_found");
  assert.deepEqual(storedFiles(node.dataDir), [
    `${used.slice(7)}.wasm`,
  ]);

  // The CLI lists modules with their users and removes them by digest.
  const again = await upload(node.url, sha);
  const ls = await cli(["ls", "--modules", "--url", node.url]);
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdoutText, new RegExp(`^${again} +\\d+ +-$`, "m"));
  assert.match(ls.stdoutText, new RegExp(`^${used} +\\d+ +one,two$`, "m"));
  const rm = await cli(["rm", again, "--url", node.url]);
  assert.equal(rm.code, 0, rm.stderr);
  const refused = await cli(["rm", used, "--url", node.url]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /used by functions 'one', 'two'/);
  assert.equal((storedFiles(node.dataDir)).length, 1);
});

Deno.test("a refused deploy stores nothing", async () => {
  await using node = await startNode();
  // A valid module under a name that is not one.
  const badName = await fetch(`${node.url}/v1/functions/-bad`, {
    method: "PUT",
    headers: WASM,
    body: echo,
  });
  assert.equal((await error(badName, 400)).code, "invalid_manifest");
  // Bytes that are not a valid function.
  const badModule = await fetch(`${node.url}/v1/functions/ok`, {
    method: "PUT",
    headers: WASM,
    body: echo.slice(0, 100),
  });
  assert.equal((await error(badModule, 400)).code, "invalid_module");
  // The CLI uploads a manifest's modules first, then the manifest is refused.
  const dir = await tempDir({ prefix: "eddy-manifest-" });
  try {
    await Deno.copyFile(
      join(REPO_ROOT, "examples/echo/echo.wasm"),
      join(dir, "echo.wasm"),
    );
    await Deno.writeTextFile(
      join(dir, "m.yaml"),
      "functions:\n  - name: e\n    module: ./echo.wasm\n    dirs: [./missing::/x]\n",
    );
    const deploy = await cli([
      "deploy",
      join(dir, "m.yaml"),
      "--url",
      node.url,
    ]);
    assert.equal(deploy.code, 1);
    assert.match(deploy.stderr, /missing' does not exist/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const { modules } = await (await fetch(`${node.url}/v1/modules`)).json();
  assert.deepEqual(modules, []);
  assert.deepEqual(storedFiles(node.dataDir), []);

  // A module a deployment uses survives a refused redeploy of it.
  const put = await fetch(`${node.url}/v1/functions/keep`, {
    method: "PUT",
    headers: WASM,
    body: echo,
  });
  assert.equal(put.status, 201);
  await put.body?.cancel();
  const refused = await fetch(`${node.url}/v1/functions/-bad`, {
    method: "PUT",
    headers: WASM,
    body: echo,
  });
  await error(refused, 400);
  const kept = await fetch(`${node.url}/invoke/keep`, {
    method: "POST",
    body: "kept",
  });
  assert.equal(await kept.text(), "kept");
});

Deno.test("after kill -9, a restart sweeps the modules no deployment uses", async () => {
  const dataDir = await tempDir({ prefix: "eddy-test-" });
  try {
    const first = await startNode({ dataDir });
    const put = await fetch(`${first.url}/v1/functions/echo`, {
      method: "PUT",
      headers: WASM,
      body: echo,
    });
    assert.equal(put.status, 201);
    const deployed = (await put.json()).module;
    const orphan = await upload(first.url, sha);
    await first.kill();
    // And a module file a crash left with no upload to go with it.
    const stray = await Deno.readFile(
      join(REPO_ROOT, "examples/uppercase/uppercase.wasm"),
    );
    const strayHex = Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", stray)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    await Deno.writeFile(join(dataDir, "modules", `${strayHex}.wasm`), stray);
    assert.equal((storedFiles(dataDir)).length, 3);

    await using second = await startNode({ dataDir });
    assert.match(
      second.startup,
      /removed 2 stored modules no deployment uses/,
    );
    assert.deepEqual(storedFiles(dataDir), [
      `${deployed.slice(7)}.wasm`,
    ]);
    const { modules } = await (await fetch(`${second.url}/v1/modules`)).json();
    assert.deepEqual(modules.map((m: { digest: string }) => m.digest), [
      deployed,
    ]);
    assert.notEqual(orphan, deployed);
    const res = await fetch(`${second.url}/invoke/echo`, {
      method: "POST",
      body: "survived",
    });
    assert.equal(await res.text(), "survived");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a client that leaves mid-upload gets no stack trace in the log; the node carries on", async () => {
  await using node = await startNode({ captureStderr: true });
  const put = await fetch(`${node.url}/v1/functions/echo`, {
    method: "PUT",
    headers: WASM,
    body: echo,
  });
  await put.body?.cancel();
  const { port } = new URL(node.url);
  for (
    const [method, target, type] of [
      ["PUT", "/v1/modules", "application/wasm"],
      ["PUT", "/v1/functions/half", "application/wasm"],
      ["POST", "/v1/manifests", "application/yaml"],
      ["POST", "/invoke/echo", "text/plain"],
    ]
  ) {
    for (
      const framing of ["content-length: 1000000", "transfer-encoding: chunked"]
    ) {
      const conn = await Deno.connect({
        hostname: "127.0.0.1",
        port: Number(port),
      });
      const chunk = framing.startsWith("transfer")
        ? `10000\r\n${"a".repeat(0x10000)}\r\n`
        : "a".repeat(0x10000);
      await conn.write(new TextEncoder().encode(
        `${method} ${target} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: ${type}\r\n${framing}\r\n\r\n${chunk}`,
      ));
      await new Promise((r) => setTimeout(r, 50));
      conn.close();
    }
  }
  await new Promise((r) => setTimeout(r, 300));
  assert.doesNotMatch(node.stderr(), /BadResource|^\s+at /m);
  const health = await rawRequest(node.url, {
    method: "GET",
    target: "/healthz",
  });
  assert.equal(health.status, 200);
  const { modules } = await (await fetch(`${node.url}/v1/modules`)).json();
  assert.equal(modules.length, 1);
  const res = await fetch(`${node.url}/invoke/echo`, {
    method: "POST",
    body: "after",
  });
  assert.equal(await res.text(), "after");
});
