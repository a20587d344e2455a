/**
 * A node that joins late catches up on a bucket written before it came:
 * tens of thousands of keys, overwrites and deletes among them, on a real
 * nats-server, with its connection cut and restored in the middle of the
 * catch-up. The replica must end with exactly the bucket's keys and values.
 *
 * (The connection is cut, not the server killed: nats-server 2.9 killed
 * with SIGKILL came back without some acknowledged delete markers, which
 * says nothing about the replica.)
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { until } from "../_helpers/data.ts";
import { NATS_MISSING, startNats } from "../_helpers/nats.ts";
import { startTcpProxy } from "../_helpers/tcp_proxy.ts";
import { NatsStateStore } from "../../nats/mod.ts";
import type { StateBucket } from "../../state/store.ts";

const KEYS = 40_000;

/** A digest of every key and value `bucket` holds, paged in key order. */
function digest(bucket: StateBucket): { keys: number; hash: string } {
  const hash = createHash("sha256");
  let keys = 0;
  let after: string | undefined;
  do {
    const page = bucket.listSync({ after, limit: 5000 });
    for (const key of page.keys) {
      hash.update(key).update("\0").update(bucket.getSync(key)!.value)
        .update("\0");
      keys++;
    }
    after = page.next;
  } while (after !== undefined);
  return { keys, hash: hash.digest("hex") };
}

/** The same digest of what a map holds. */
function digestOf(truth: Map<string, Uint8Array>) {
  const hash = createHash("sha256");
  for (const key of [...truth.keys()].sort()) {
    hash.update(key).update("\0").update(truth.get(key)!).update("\0");
  }
  return { keys: truth.size, hash: hash.digest("hex") };
}

Deno.test({
  name:
    "a late replica catches up on 40k keys, through a cut connection, to exactly the bucket's keys and values",
  ignore: NATS_MISSING !== undefined,
  async fn() {
    await using hub = await startNats({ domain: "cloud", hub: true });
    const dir = await Deno.makeTempDir({ prefix: "eddy-catch-up-" });
    const truth = new Map<string, Uint8Array>();
    const nc = await connect({ servers: hub.url });
    try {
      const kv = await new Kvm(jetstream(nc)).create("many", { history: 1 });
      const value = (i: number, round: number) => {
        const bytes = new Uint8Array(512 + (i % 512));
        bytes.fill(i % 251);
        new DataView(bytes.buffer).setUint32(0, i * 7 + round);
        return bytes;
      };
      for (let i = 0; i < KEYS; i += 1000) {
        await Promise.all(
          Array.from({ length: Math.min(1000, KEYS - i) }, (_, j) => {
            const key = `key-${i + j}`;
            truth.set(key, value(i + j, 0));
            return kv.put(key, truth.get(key)!);
          }),
        );
      }
      // Overwrites and deletes: the replica must keep only the last word.
      for (let i = 0; i < KEYS; i += 97) {
        truth.set(`key-${i}`, value(i, 1));
        await kv.put(`key-${i}`, truth.get(`key-${i}`)!);
      }
      for (let i = 5; i < KEYS; i += 89) {
        truth.delete(`key-${i}`);
        await kv.delete(`key-${i}`);
      }
    } finally {
      await nc.close();
    }

    await using link = startTcpProxy(Number(new URL(hub.url).port));
    const store = NatsStateStore.connect({
      kind: "nats",
      servers: [`nats://127.0.0.1:${link.port}`],
      replicaPath: join(dir, "late.sqlite"),
    });
    try {
      const opening = store.bucket("many");
      // Cut the connection once the catch-up is under way, then restore it:
      // the replica resumes from the last revision it applied.
      const probe = NatsStateStore.connect({
        kind: "nats",
        servers: [hub.url],
        replicaPath: join(dir, "late.sqlite"),
        follow: false,
      });
      try {
        await until("the catch-up is under way", async () => {
          try {
            return (await probe.bucket("many")).size > 2000;
          } catch {
            return false;
          }
        }, 60_000);
      } finally {
        await probe[Symbol.asyncDispose]();
      }
      link.cut();
      await new Promise((r) => setTimeout(r, 1000));
      link.restore();
      // A stalled catch-up (what this replaced did at 100k keys) fails
      // here instead of hanging the suite.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const many = await Promise.race([
        opening,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error("the replica did not catch up in 240 s")),
            240_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      assert.deepEqual(digest(many), digestOf(truth));
    } finally {
      await store[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
