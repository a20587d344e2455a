import assert from "node:assert/strict";
import { cpuTimeNs, threadCpuTimeNs } from "../../runtime/cpu_clock.ts";

/** A worker that reports its thread id, then spins or sleeps on request. */
const WORKER = `
const id = Number(Deno.readLinkSync("/proc/thread-self").split("/").pop());
self.postMessage(id);
self.onmessage = ({ data }) => {
  if (data.spin) {
    const end = performance.now() + data.spin;
    while (performance.now() < end);
  }
  setTimeout(() => self.postMessage("done"), data.sleep ?? 0);
};
`;

Deno.test("another thread's CPU time grows while it runs, not while it sleeps", async () => {
  const url = URL.createObjectURL(
    new Blob([WORKER], { type: "text/javascript" }),
  );
  const worker = new Worker(url, { type: "module" });
  try {
    const messages: unknown[] = [];
    let wake = () => {};
    worker.onmessage = ({ data }) => {
      messages.push(data);
      wake();
    };
    const next = async () => {
      while (messages.length === 0) await new Promise<void>((r) => wake = r);
      return messages.shift();
    };
    const tid = await next() as number;
    const before = threadCpuTimeNs(tid);
    assert.ok(before > 0, `read ${before}`);
    worker.postMessage({ spin: 150 });
    await next();
    const spun = threadCpuTimeNs(tid) - before;
    worker.postMessage({ sleep: 150 });
    await next();
    const slept = threadCpuTimeNs(tid) - before - spun;
    // A loaded machine may take part of the spin's wall time away.
    assert.ok(spun >= 50e6, `spinning 150 ms counted ${spun / 1e6} ms`);
    assert.ok(slept < 50e6, `sleeping 150 ms counted ${slept / 1e6} ms`);
    // The process clock counts that thread too.
    assert.ok(cpuTimeNs(false) >= spun);
  } finally {
    worker.terminate();
    URL.revokeObjectURL(url);
  }
});

Deno.test("a thread that is not there reads as -1", () => {
  // Thread ids stop at 2^22 on Linux (pid_max's ceiling).
  assert.equal(threadCpuTimeNs((1 << 22) + 1), -1);
});
