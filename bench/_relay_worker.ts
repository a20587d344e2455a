/// <reference lib="deno.worker" />
/**
 * An executor worker's view of state on a node on NATS, timed from a real
 * worker isolate: reads from the replica in place, a round trip to the
 * main isolate, and puts relayed through it. Posted `{ replicaPath,
 * bucket, samples }`, it answers with the three lists of ms.
 *
 * @module
 */
import { RelayedStore } from "../nats/relay.ts";

self.onmessage = async (
  event: MessageEvent<{ replicaPath: string; bucket: string; samples: number }>,
) => {
  const { replicaPath, bucket: name, samples } = event.data;
  const store = new RelayedStore(replicaPath);
  const bucket = await store.bucket(name);
  const value = new Uint8Array(1024);
  const time = async (op: () => unknown) => {
    const ms: number[] = [];
    for (let i = 0; i < samples; i++) {
      const start = performance.now();
      await op();
      ms.push(performance.now() - start);
    }
    return ms;
  };
  const replicaRead = await time(() => bucket.getSync("k"));
  const roundTrip = await time(() =>
    store.ask({ kind: "request", op: "open", bucket: name })
  );
  const relayedPut = await time(() => bucket.put("w", value));
  await store[Symbol.asyncDispose]();
  self.postMessage({ replicaRead, roundTrip, relayedPut });
};
