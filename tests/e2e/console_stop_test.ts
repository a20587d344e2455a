/**
 * A node with a console open stops when asked: its event streams end
 * instead of holding the server's graceful shutdown open.
 */
import assert from "node:assert/strict";
import { startNode } from "../_helpers/node_process.ts";

Deno.test("SIGTERM stops a node while a console's event stream is open", async () => {
  await using node = await startNode();
  const res = await fetch(`${node.url}/console/events`);
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  assert.match((await reader.read()).value!, /^event: figures\n/);
  const started = performance.now();
  node.process.kill("SIGTERM");
  // The stream ends, then the process exits on its own: within 5 s, or
  // it is killed and the test fails.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<"stuck">((resolve) =>
    timer = setTimeout(() => resolve("stuck"), 5000)
  );
  const stopped = (async () => {
    while (!(await reader.read()).done) { /* the last events */ }
    return await node.process.status;
  })();
  const outcome = await Promise.race([stopped, stuck]);
  clearTimeout(timer);
  if (outcome === "stuck") {
    await node.kill();
    await reader.cancel().catch(() => {});
  }
  assert.notEqual(outcome, "stuck", "the node did not stop within 5 s");
  assert.equal((outcome as Deno.CommandStatus).code, 0);
  assert.ok(performance.now() - started < 5000);
});
