/**
 * A guest past its deadline fails alone. One the interrupt checks reach is
 * stopped in its worker; one they cannot (its module holds an instruction
 * the rewrite does not know, so it runs as uploaded) has its worker replaced
 * after the grace period. Neither fails the invocations around it, whether
 * they were running, written to a worker's ring, or queued.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { deployModules } from "../_helpers/deploy.ts";
import { spinner } from "../_helpers/guests.ts";
import { REPO_ROOT, startNode } from "../_helpers/node_process.ts";

Deno.test("100 echoes while 4 runaway guests time out: every echo answers", async () => {
  await using node = await startNode({ flags: ["--workers", "2"] });
  await deployModules(node.url, {
    echo: {
      module: await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm")),
    },
    runaway: { module: spinner(), limits: "timeout: 300ms" },
    stuck: { module: uninterruptible(spinner()), limits: "timeout: 300ms" },
  });

  const invoke = (name: string, body: Uint8Array) =>
    fetch(`${node.url}/invoke/${name}`, {
      method: "POST",
      body: body as Uint8Array<ArrayBuffer>,
    });
  // Two runaways per worker: each worker is interrupted or replaced while
  // echoes are on its ring or queued behind it.
  const runaways = ["runaway", "stuck", "runaway", "stuck"].map((name) =>
    invoke(name, new Uint8Array())
  );
  await new Promise((r) => setTimeout(r, 20));
  const inputs = Array.from({ length: 100 }, (_, i) => {
    const bytes = new Uint8Array(1024);
    for (let j = 0; j < bytes.length; j++) bytes[j] = (i * 31 + j) & 0xff;
    return bytes;
  });
  const echoes = inputs.map((input) => invoke("echo", input));

  const answers = await Promise.all(echoes);
  const failed: string[] = [];
  for (const [i, res] of answers.entries()) {
    const body = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) {
      failed.push(`echo ${i}: ${res.status} ${new TextDecoder().decode(body)}`);
    } else if (
      !body.every((b, j) => b === inputs[i][j]) || body.length !== 1024
    ) {
      failed.push(`echo ${i}: wrong bytes`);
    }
  }
  assert.deepEqual(failed, []);
  for (const res of await Promise.all(runaways)) {
    assert.equal(res.status, 504);
    assert.equal((await res.json()).error.reason, "timeout");
  }
  const metrics = await (await fetch(`${node.url}/metrics`)).text();
  for (const name of ["runaway", "stuck"]) {
    assert.match(
      metrics,
      new RegExp(
        `eddy_invocation_errors_total\\{function="${name}",reason="timeout"\\} 2`,
      ),
    );
  }
  assert.match(metrics, /eddy_invocations_total\{function="echo"\} 100/);
  // Only the two the checks could not reach cost a worker.
  assert.match(metrics, /eddy_executor_restarts 2/);
});

/**
 * `spin` with `(drop (ref.i31 (i32.const 0)))` in place of its leading
 * `(nop) (drop (i32.const 0)) (nop)` (see `spinner`): a GC instruction the interrupt
 * rewrite does not know, so the module runs without checks.
 */
function uninterruptible(
  spin: Uint8Array<ArrayBuffer>,
): Uint8Array<ArrayBuffer> {
  const bytes = spin.slice();
  const at = bytes.findIndex((_, i) =>
    [0x01, 0x41, 0x00, 0x1a, 0x01].every((b, j) => bytes[i + j] === b)
  );
  assert.ok(at > 0, "spin's leading nops");
  bytes.set([0x41, 0x00, 0xfb, 0x1c, 0x1a], at);
  return bytes;
}
