/// <reference lib="deno.worker" />
/**
 * The far side of the floors' wake round trips. Posted a SharedArrayBuffer,
 * it answers each ring ping (a count at index 0, waited for with
 * `Atomics.waitAsync` as an executor worker waits for jobs) by counting it
 * at index 1 and notifying; any other message comes back as it came.
 *
 * @module
 */
self.onmessage = (event: MessageEvent<unknown>) => {
  const data = event.data;
  if (!(data instanceof SharedArrayBuffer)) return self.postMessage(data);
  const counts = new Int32Array(data);
  (async () => {
    for (let seen = 0;;) {
      const wait = Atomics.waitAsync(counts, 0, seen);
      if (wait.async) await wait.value;
      seen = Atomics.load(counts, 0);
      Atomics.store(counts, 1, seen);
      Atomics.notify(counts, 1);
    }
  })();
};
