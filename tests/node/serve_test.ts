import assert from "node:assert/strict";
import { join } from "node:path";
import { serveNode } from "../../mod.ts";
import { REPO_ROOT } from "../_helpers/node_process.ts";
import { tempDir } from "../_helpers/temp.ts";

Deno.test("serveNode embeds a whole node: API, invocation, comm socket, shutdown", async () => {
  const dataDir = await tempDir({ prefix: "eddy-test-" });
  try {
    const served = await serveNode({ dataDir, workers: 1 });
    try {
      assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      await served.node.deployModule(
        "echo",
        await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm")),
      );
      const res = await fetch(`${served.url}/invoke/echo`, {
        method: "POST",
        body: "hello, embedder",
      });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "hello, embedder");
      const info = await (await fetch(`${served.url}/v1/node`)).json();
      assert.equal(info.endpoints.unix, join(dataDir, "eddy.sock"));
      assert.ok((await Deno.stat(join(dataDir, "eddy.sock"))).isSocket);
    } finally {
      await served.shutdown();
    }
    await assert.rejects(fetch(`${served.url}/healthz`));
    await served.finished;
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
