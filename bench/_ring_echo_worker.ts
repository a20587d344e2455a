/// <reference lib="deno.worker" />
/**
 * The worker's side of bench/_ring_hop.ts: posted a ring's buffer, it
 * copies each job's body into a result slot, wakes the main isolate, and
 * sleeps in `Atomics.waitAsync` once every job written is done.
 *
 * @module
 */
import { RING, RING_SLOT_BYTES, RING_SLOTS, ringViews } from "./_ring_hop.ts";

self.onmessage = (event: MessageEvent<SharedArrayBuffer>) => {
  const { control, jobHeaders, jobData, resultHeaders, resultData } = ringViews(
    event.data,
  );
  const drain = () => {
    let taken = Atomics.load(control, RING.jobsTaken);
    while (taken !== Atomics.load(control, RING.jobsWritten)) {
      const job = taken & (RING_SLOTS - 1);
      const length = jobHeaders[2 * job + 1];
      const written = Atomics.load(control, RING.resultsWritten);
      const result = written & (RING_SLOTS - 1);
      resultHeaders[2 * result] = jobHeaders[2 * job];
      resultHeaders[2 * result + 1] = length;
      resultData.set(
        jobData.subarray(
          job * RING_SLOT_BYTES,
          job * RING_SLOT_BYTES + length,
        ),
        result * RING_SLOT_BYTES,
      );
      taken = (taken + 1) | 0;
      Atomics.store(control, RING.jobsTaken, taken);
      Atomics.add(control, RING.resultsWritten, 1);
      Atomics.notify(control, RING.resultsWritten);
    }
    return taken;
  };
  (async () => {
    for (;;) {
      const taken = drain();
      Atomics.store(control, RING.workerWaiting, 1);
      const wait = Atomics.waitAsync(control, RING.jobsWritten, taken);
      if (wait.async) await wait.value;
      Atomics.store(control, RING.workerWaiting, 0);
    }
  })();
};
