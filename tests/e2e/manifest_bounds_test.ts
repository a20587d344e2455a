import assert from "node:assert/strict";
import { startNode } from "../_helpers/node_process.ts";
import { healthzMs, rssBytes, whileProbing } from "../_helpers/probe.ts";

const DEEP = 200_000;

Deno.test("a 200,000-deep manifest or workflow is refused fast while /healthz stays prompt", async () => {
  await using node = await startNode();
  await healthzMs(node.url);
  // The first /v1 request loads the management API (zod, the OpenAPI
  // document): load it now, so that the probe times the documents.
  await (await fetch(`${node.url}/v1/functions`)).body?.cancel();
  const before = await rssBytes(node.process.pid);
  const bodies = {
    "/v1/manifests": "functions: " + "[".repeat(DEEP) + "]".repeat(DEEP),
    "/v1/workflows": "name: w\nsteps:\n  " + "- ".repeat(DEEP) + "x\n",
  };
  for (const [route, body] of Object.entries(bodies)) {
    const [[status, error, ms], slowest] = await whileProbing(
      node.url,
      async () => {
        const started = performance.now();
        const res = await fetch(`${node.url}${route}`, {
          method: "POST",
          headers: { "content-type": "application/yaml" },
          body,
        });
        const { error } = await res.json();
        return [res.status, error, performance.now() - started] as const;
      },
    );
    assert.equal(status, 400, route);
    assert.equal(
      error.code,
      route === "/v1/manifests" ? "invalid_manifest" : "invalid_workflow",
    );
    assert.match(error.message, /nesting deeper than 64 levels/);
    assert.ok(ms < 1000, `${route} answered after ${ms.toFixed(0)} ms`);
    assert.ok(slowest < 200, `/healthz took up to ${slowest.toFixed(0)} ms`);
  }
  const grown = await rssBytes(node.process.pid) - before;
  assert.ok(grown < 50 * 1024 * 1024, `RSS grew ${grown >> 20} MiB`);
  // Nothing was deployed.
  const list = await (await fetch(`${node.url}/v1/functions`)).json();
  assert.deepEqual(list.functions, []);
});
