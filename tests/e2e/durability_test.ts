import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT, startNode } from "../_helpers/node_process.ts";

Deno.test("a node killed during deploys restarts with the old or the new deployment", async () => {
  const env = await Deno.readFile(join(REPO_ROOT, "examples/env/env.wasm"));
  const echo = await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm"));
  let node = await startNode();
  const dataDir = node.dataDir;
  try {
    for (let round = 0; round < 4; round++) {
      const url = node.url;
      // Deploy in a tight loop: alternate revisions of "f" (args differ) and
      // new modules, so that module and state writes are both under way.
      let stop = false;
      const loop = (async () => {
        for (let i = 0; !stop; i++) {
          try {
            const body = i % 2 ? env : echo;
            const digest = (await (await fetch(`${url}/v1/modules`, {
              method: "PUT",
              headers: { "content-type": "application/wasm" },
              body,
            })).json()).digest;
            const res = await fetch(`${url}/v1/manifests`, {
              method: "POST",
              headers: { "content-type": "application/yaml" },
              body:
                `functions: [{name: f, module: "${digest}", args: ["rev${i}"]}]`,
            });
            await res.body?.cancel();
          } catch {
            return; // the node was killed
          }
        }
      })();
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 400));
      await node.kill();
      stop = true;
      await loop;

      node = await startNode({ dataDir });
      const list = await (await fetch(`${node.url}/v1/functions`)).json();
      for (const fn of list.functions) {
        const res = await fetch(`${node.url}/invoke/${fn.name}`, {
          method: "POST",
          body: "probe",
        });
        const text = await res.text();
        assert.equal(res.status, 200, text);
        assert.ok(text === "probe" || /^rev\d+\n/.test(text), text);
      }
    }
  } finally {
    await node.kill();
  }
});
