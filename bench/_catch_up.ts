/**
 * A fresh replica's catch-up, alone in a process so that its memory is its
 * own: `deno run -A bench/_catch_up.ts NATS_URL REPLICA_PATH BUCKET`
 * prints `{ seconds, keys, rssBeforeBytes, rssAfterBytes }` as JSON.
 *
 * @module
 */
import { NatsStateStore } from "../nats/mod.ts";

const [url, replicaPath, name] = Deno.args;
const rssBeforeBytes = Deno.memoryUsage().rss;
const store = NatsStateStore.connect({
  kind: "nats",
  servers: [url],
  replicaPath,
});
const started = performance.now();
const bucket = await store.bucket(name);
const seconds = (performance.now() - started) / 1000;
const rssAfterBytes = Deno.memoryUsage().rss;
const keys = bucket.size;
await store[Symbol.asyncDispose]();
console.log(JSON.stringify({ seconds, keys, rssBeforeBytes, rssAfterBytes }));
