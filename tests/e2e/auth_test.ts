import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, REPO_ROOT, startNode } from "../_helpers/node_process.ts";

Deno.test("with a token, management routes need it; invocation does not", async () => {
  await using node = await startNode({ env: { EDDY_TOKEN: "s3cret" } });
  const echo = await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm"));

  const anonymous = await fetch(`${node.url}/v1/functions/echo`, {
    method: "PUT",
    headers: { "content-type": "application/wasm" },
    body: echo,
  });
  assert.equal(anonymous.status, 401);
  assert.equal((await anonymous.json()).error.code, "unauthorized");
  const wrong = await fetch(`${node.url}/v1/functions`, {
    headers: { authorization: "Bearer guess" },
  });
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();

  const ok = await fetch(`${node.url}/v1/functions/echo`, {
    method: "PUT",
    body: echo,
    headers: {
      authorization: "Bearer s3cret",
      "content-type": "application/wasm",
    },
  });
  assert.equal(ok.status, 201);
  await ok.body?.cancel();
  const res = await fetch(`${node.url}/invoke/echo`, {
    method: "POST",
    body: "hi",
  });
  assert.equal(await res.text(), "hi");
  const health = await fetch(`${node.url}/healthz`);
  assert.equal(health.status, 200);
  await health.body?.cancel();

  const denied = await cli(["ls", "--url", node.url]);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /Bearer/);
  const allowed = await cli(["ls", "--url", node.url, "--token", "s3cret"]);
  assert.equal(allowed.code, 0);
  assert.match(allowed.stdoutText, /echo/);
});
