/// <reference lib="deno.worker" />
/**
 * Polls a node's `/healthz` from its own thread, so that what the test's
 * main thread does meanwhile (sending and checking large bodies) does not
 * count as the node's latency. Posts the slowest answer (ms) when told to
 * stop.
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
  while (!stopped) {
    const started = performance.now();
    const res = await fetch(`${event.data.url}/healthz`);
    await res.body?.cancel();
    if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
    slowest = Math.max(slowest, performance.now() - started);
    await new Promise((r) => setTimeout(r, 10));
  }
  self.postMessage(slowest);
};
