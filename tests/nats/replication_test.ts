/**
 * Buckets replicated between an edge site (a NATS leaf node, JetStream
 * domain `edge`) and the cloud (the hub, domain `cloud`), on real
 * nats-server processes: what each site reads, through an uplink that is
 * cut and restored, and with NATS killed and restarted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { until } from "../_helpers/data.ts";
import { NATS_MISSING, startNats } from "../_helpers/nats.ts";
import { startTcpProxy } from "../_helpers/tcp_proxy.ts";
import { NatsStateStore, StateUnavailableError } from "../../nats/mod.ts";
import { statusOf } from "../../api/status.ts";
import type { StateBucket } from "../../state/store.ts";

const text = (s: string) => new TextEncoder().encode(s);
const read = async (bucket: StateBucket, key: string) => {
  const entry = await bucket.get(key);
  return entry ? new TextDecoder().decode(entry.value) : undefined;
};

/** A hub and a leaf joined through a proxy (the uplink), and a store at each. */
async function sites() {
  const dir = await Deno.makeTempDir({ prefix: "eddy-replica-" });
  const uplink = startTcpProxy(() => hub.leafPort!);
  const hub = await startNats({
    domain: "cloud",
    hub: true,
    advertiseLeaf: uplink.port,
  });
  const leaf = await startNats({ domain: "edge", leafTo: uplink.port });
  const connected = async () => {
    const probe = NatsStateStore.connect({
      kind: "nats",
      servers: [leaf.url],
      domain: "edge",
      homes: { probe: "cloud" },
      replicaPath: join(dir, "probe.sqlite"),
    });
    try {
      await until("the leaf reaches the hub", async () => {
        try {
          await (await probe.bucket("probe")).put("k", text("v"));
          return true;
        } catch {
          return false;
        }
      });
    } finally {
      await probe[Symbol.asyncDispose]();
    }
  };
  await connected();
  const edge = NatsStateStore.connect({
    kind: "nats",
    servers: [leaf.url],
    domain: "edge",
    homes: { thresholds: "cloud" },
    replicaPath: join(dir, "edge.sqlite"),
  });
  const cloud = NatsStateStore.connect({
    kind: "nats",
    servers: [hub.url],
    domain: "cloud",
    homes: { readings: "edge" },
    replicaPath: join(dir, "cloud.sqlite"),
  });
  return {
    hub,
    leaf,
    uplink,
    edge,
    cloud,
    dir,
    [Symbol.asyncDispose]: async () => {
      await edge[Symbol.asyncDispose]();
      await cloud[Symbol.asyncDispose]();
      await uplink[Symbol.asyncDispose]();
      await leaf[Symbol.asyncDispose]();
      await hub[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test({
  name: "a write at the edge is read at the cloud, and back",
  ignore: NATS_MISSING !== undefined,
  async fn() {
    await using s = await sites();
    const edgeReadings = await s.edge.bucket("readings");
    const cloudReadings = await s.cloud.bucket("readings");
    const rev = await edgeReadings.put("s1.json", text('{"t":21.5}'));
    // Read-your-writes on the writer's node, at once.
    assert.equal((await edgeReadings.get("s1.json"))?.revision, rev);
    await until(
      "the cloud reads the edge's write",
      async () => (await read(cloudReadings, "s1.json")) === '{"t":21.5}',
    );
    assert.equal((await cloudReadings.get("s1.json"))?.revision, rev);
    const lag = await s.cloud.lagSeconds();
    assert.ok(lag >= 0 && lag < 5, `replica lag ${lag} s`);

    const cloudThresholds = await s.cloud.bucket("thresholds");
    const edgeThresholds = await s.edge.bucket("thresholds");
    await cloudThresholds.put("max", text("30"));
    await until(
      "the edge reads the cloud's write",
      async () => (await read(edgeThresholds, "max")) === "30",
    );
    // A write to a bucket homed elsewhere travels to its home and back.
    const back = await cloudReadings.put("s2", text("from the cloud"));
    assert.equal((await cloudReadings.get("s2"))?.revision, back);
    await until(
      "the edge reads it",
      async () => (await read(edgeReadings, "s2")) === "from the cloud",
    );
    assert.deepEqual((await cloudReadings.list()).keys, ["s1.json", "s2"]);

    // Compare-and-swap on the revision, across sites.
    const current = (await edgeReadings.get("s2"))!.revision;
    assert.equal(await edgeReadings.cas("s2", text("stale"), "1"), undefined);
    const swapped = await edgeReadings.cas("s2", text("swapped"), current);
    assert.ok(swapped);
    assert.equal(await read(edgeReadings, "s2"), "swapped");
    await edgeReadings.delete("s1.json");
    assert.equal(await edgeReadings.get("s1.json"), undefined);
    await until(
      "the delete reaches the cloud",
      async () => (await cloudReadings.get("s1.json")) === undefined,
    );
  },
});

Deno.test({
  name:
    "uplink cut: each site keeps reading, the edge keeps writing its own buckets, all catch up when it returns",
  ignore: NATS_MISSING !== undefined,
  async fn() {
    await using s = await sites();
    const edgeReadings = await s.edge.bucket("readings");
    const cloudReadings = await s.cloud.bucket("readings");
    const edgeThresholds = await s.edge.bucket("thresholds");
    const cloudThresholds = await s.cloud.bucket("thresholds");
    await cloudThresholds.put("max", text("30"));
    await until(
      "the edge has the threshold",
      async () => (await read(edgeThresholds, "max")) === "30",
    );

    s.uplink.cut();
    // Reads at both sites come from their replicas.
    assert.equal(await read(edgeThresholds, "max"), "30");
    // The edge's own bucket takes writes; a write to the cloud's cannot be
    // made durable and says so.
    for (let i = 0; i < 20; i++) {
      await edgeReadings.put(`offline-${i}`, text(String(i)));
    }
    assert.equal(await read(edgeReadings, "offline-19"), "19");
    await assert.rejects(
      () => edgeThresholds.put("max", text("99")),
      (e: unknown) =>
        e instanceof StateUnavailableError && statusOf(e) === 503 &&
        e.code === "state_unavailable",
    );
    assert.equal(await read(edgeThresholds, "max"), "30");
    assert.equal(await read(cloudReadings, "offline-0"), undefined);

    s.uplink.restore();
    await until(
      "the cloud catches up with the edge's offline writes",
      async () => (await cloudReadings.list()).keys.length === 20,
      20_000,
    );
    assert.equal(await read(cloudReadings, "offline-19"), "19");
    await until("the edge writes to the cloud's bucket again", async () => {
      try {
        await edgeThresholds.put("max", text("35"));
        return true;
      } catch {
        return false;
      }
    }, 20_000);
    await until(
      "the cloud reads it",
      async () => (await read(cloudThresholds, "max")) === "35",
    );
  },
});

Deno.test({
  name:
    "NATS killed: reads keep working, writes fail with state_unavailable, all recovers on restart",
  ignore: NATS_MISSING !== undefined,
  async fn() {
    await using s = await sites();
    const thresholds = await s.cloud.bucket("thresholds");
    await thresholds.put("max", text("30"));

    await s.hub.kill();
    assert.equal(await read(thresholds, "max"), "30");
    const started = Date.now();
    await assert.rejects(
      () => thresholds.put("max", text("31")),
      (e: unknown) =>
        e instanceof StateUnavailableError && e.code === "state_unavailable",
    );
    assert.ok(Date.now() - started < 5000, "a failed write does not hang");
    assert.equal(await read(thresholds, "max"), "30");
    // An isolate that opens the store now (a restarted worker) reads the
    // node's replica, and follows again once NATS is back.
    await using late = NatsStateStore.connect({
      kind: "nats",
      servers: [s.hub.url],
      domain: "cloud",
      replicaPath: join(s.dir, "cloud.sqlite"),
    });
    const lateThresholds = await late.bucket("thresholds");
    assert.equal(await read(lateThresholds, "max"), "30");
    await assert.rejects(
      () => lateThresholds.put("max", text("31")),
      (e: unknown) => e instanceof StateUnavailableError,
    );
    await assert.rejects(
      () => late.bucket("never-seen"),
      (e: unknown) => e instanceof StateUnavailableError,
    );

    await s.hub.restart();
    await until("writes work again", async () => {
      try {
        await thresholds.put("max", text("32"));
        return true;
      } catch {
        return false;
      }
    }, 20_000);
    assert.equal(await read(thresholds, "max"), "32");
    // The watch is back too: a write from another client reaches the replica.
    const other = NatsStateStore.connect({
      kind: "nats",
      servers: [s.hub.url],
      domain: "cloud",
      replicaPath: join(s.dir, "other.sqlite"),
    });
    try {
      await (await other.bucket("thresholds")).put("min", text("5"));
    } finally {
      await other[Symbol.asyncDispose]();
    }
    await until(
      "the replica follows again",
      async () => (await read(thresholds, "min")) === "5",
      10_000,
    );
    await until("the late store writes once it connects", async () => {
      try {
        await lateThresholds.put("late", text("1"));
        return true;
      } catch {
        return false;
      }
    }, 20_000);
  },
});
