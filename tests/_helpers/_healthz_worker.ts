/// <reference lib="deno.worker" />
/**
 * Polls a node's `/healthz` from its own thread, so that what the test's
 * main thread does meanwhile (sending and checking large bodies) does not
 * count as the node's latency. Posts "warm" after a first answer (not
 * counted: it includes this worker's own start), then the slowest answer
 * (ms) when told to stop.
 *
 * @module
 */
let stopped = false;
self.onmessage = async (event: MessageEvent<{ url: string } | "stop">) => {
  if (event.data === "stop") {
    stopped = true;
    return;
  }
  let slowest = 0;
  let warm = false;
  while (!stopped) {
    const started = performance.now();
    const res = await fetch(`${event.data.url}/healthz`);
    await res.body?.cancel();
    if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
    if (warm) slowest = Math.max(slowest, performance.now() - started);
    else self.postMessage("warm");
    warm = true;
    await new Promise((r) => setTimeout(r, 10));
  }
  self.postMessage(slowest);
};
