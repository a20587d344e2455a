/**
 * An executor worker's state on a node on NATS: it reads the node's replica
 * in place and relays its writes to the main isolate's store (its one
 * connection), on a real nats-server. Guests keep their semantics: a write
 * is read back at once, a compare-and-swap is decided on the revision, and
 * a write that cannot be made durable fails with `state_unavailable`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { NATS_MISSING, startNats } from "../_helpers/nats.ts";
import {
  NatsStateStore,
  RelayedStore,
  serveRelay,
  StateUnavailableError,
} from "../../nats/mod.ts";

const text = (s: string) => new TextEncoder().encode(s);
const read = (value: Uint8Array | undefined) =>
  value && new TextDecoder().decode(value);

Deno.test({
  name:
    "a worker reads the replica in place and relays its writes: read-your-writes, kv_cas on the revision, state_unavailable when NATS is down",
  ignore: NATS_MISSING !== undefined,
  async fn() {
    await using hub = await startNats({ domain: "cloud", hub: true });
    const dir = await Deno.makeTempDir({ prefix: "eddy-relay-" });
    const replicaPath = join(dir, "replica.sqlite");
    const main = NatsStateStore.connect({
      kind: "nats",
      servers: [hub.url],
      replicaPath,
    });
    const relay = serveRelay(replicaPath, () => Promise.resolve(main));
    // What an executor worker opens (in a worker isolate, the same channel).
    const worker = new RelayedStore(replicaPath);
    try {
      const carts = await worker.bucket("carts");
      const rev = await carts.put("alice", text("2 apples"));
      // The worker reads its own write at once, from the replica.
      assert.equal(carts.getSync("alice")?.revision, rev);
      assert.equal(read(carts.getSync("alice")?.value), "2 apples");
      // It went through the main isolate's store, to JetStream.
      const mainCarts = await main.bucket("carts");
      assert.equal(mainCarts.getSync("alice")?.revision, rev);

      assert.equal(
        await carts.cas("alice", text("stale"), String(Number(rev) + 100)),
        undefined,
      );
      const swapped = await carts.cas("alice", text("3 apples"), rev);
      assert.ok(swapped && swapped !== rev);
      assert.equal(read(carts.getSync("alice")?.value), "3 apples");
      assert.equal(
        await carts.cas("bob", text("1 pear"), null) !== undefined,
        true,
      );
      assert.equal(await carts.cas("bob", text("again"), null), undefined);
      await carts.delete("bob");
      assert.equal(carts.getSync("bob"), undefined);
      assert.deepEqual(carts.listSync().keys, ["alice"]);

      await hub.kill();
      // Reads stay local; a write says it could not be made durable.
      assert.equal(read(carts.getSync("alice")?.value), "3 apples");
      await assert.rejects(
        () => carts.put("alice", text("lost")),
        (e: unknown) =>
          e instanceof StateUnavailableError && e.code === "state_unavailable",
      );
      assert.equal(read(carts.getSync("alice")?.value), "3 apples");
    } finally {
      await worker[Symbol.asyncDispose]();
      relay[Symbol.dispose]();
      await main[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
