import assert from "node:assert/strict";
import { Ring, SLOT_BYTES } from "./_ring.ts";

Deno.test("a grouped job's result carries its earlier stages' figures in its slot", () => {
  const pool = new Ring();
  const worker = new Ring(pool.shared);
  const earlier = [1.5, 2.25, 3].map((durationMs, k) => ({
    durationMs,
    outputBytes: 1000 * (k + 1),
    stderr: "",
  }));
  // 5 bytes: the figures start at the next 8-byte boundary.
  const stdout = new Uint8Array([1, 2, 3, 4, 5]);
  const grouped = {
    exitCode: 0,
    stdout,
    stderr: "",
    durationMs: 0.5,
    stage: 3,
    earlier,
  };
  const single = { exitCode: 0, stdout, stderr: "", durationMs: 0.25 };
  assert.ok(worker.tryWriteResult(7, grouped));
  assert.ok(worker.tryWriteResult(8, single));
  const taken: unknown[] = [];
  pool.takeResults((seq, result) => taken.push({ seq, ...result }));
  assert.deepEqual(taken, [{ seq: 7, ...grouped }, { seq: 8, ...single }]);
});

Deno.test("a result whose output and figures overflow the slot, or whose earlier stage logged, goes by message", () => {
  const worker = new Ring(new Ring().shared);
  const result = (bytes: number, stderr = "") => ({
    exitCode: 0,
    stdout: new Uint8Array(bytes),
    stderr: "",
    durationMs: 1,
    stage: 1,
    earlier: [{ durationMs: 1, outputBytes: 1, stderr }],
  });
  assert.ok(worker.tryWriteResult(1, result(SLOT_BYTES - 16)));
  assert.equal(worker.tryWriteResult(2, result(SLOT_BYTES - 15)), false);
  assert.equal(worker.tryWriteResult(3, result(8, "warning")), false);
});
