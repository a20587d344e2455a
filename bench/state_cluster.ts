/**
 * State across edge and cloud (issue 10's benchmark, the replicated parts),
 * on real nats-server processes: a hub (cloud) and a leaf (edge, its own
 * JetStream domain) joined through a loopback TCP proxy that delays every
 * chunk 25 ms each way, like Enoki's edge-cloud link.
 *
 * - 1 KB state read at the edge: from the node's replica, from the cloud
 *   (JetStream KV get across the link: state kept only in the cloud), and
 *   from a redis-server behind the same 25 ms link (the stateless-FaaS
 *   baseline, state fetched by the caller);
 * - write-to-visible lag at the other site, both ways, p50/p99, beside
 *   when JetStream itself delivered each write at the other site (a plain
 *   consumer of that site's stream): what the link and JetStream take, and
 *   what eddy adds (fetch, apply, commit);
 * - an executor worker's state: a read from the replica in place vs a
 *   round trip to the node's main isolate (the relay), a write relayed
 *   through the main isolate's connection vs made directly;
 * - a bucket of many keys: how long a fresh replica takes to catch up, and
 *   how big it is on disk and in memory.
 *
 * Figures are reported, not asserted. `deno run -A bench/state_cluster.ts`
 * runs it alone (quick scale).
 *
 * @module
 */
import { join } from "node:path";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { NatsStateStore, serveRelay } from "../nats/mod.ts";
import { NATS_MISSING, startNats } from "../tests/_helpers/nats.ts";
import { startTcpProxy } from "../tests/_helpers/tcp_proxy.ts";
import { byScale, type ExperimentContext } from "./_experiment.ts";
import { connectRedis, getBytes, setBytes, startRedis } from "./_redis.ts";
import { round, summarize, type Summary } from "./_stats.ts";

/** One-way delay of the edge-cloud link, ms. */
const LINK_MS = 25;
const VALUE_BYTES = 1024;

/** What {@linkcode runStateCluster} measures. */
export interface StateClusterResults {
  /** Why nothing was measured (nats-server missing). */
  skipped?: string;
  linkDelayMsEachWay: number;
  valueBytes: number;
  /** A 1 KB read at the edge, ms. */
  read: {
    edgeReplica: Summary;
    cloudOnly: Summary;
    redisBehindLink: Summary;
    /** cloudOnly p50 / edgeReplica p50 (target ≥ 10). */
    replicaSpeedup: number;
  };
  /** Put at one site until the other site's replica has it, ms. */
  lag: {
    edgeToCloud: Summary;
    cloudToEdge: Summary;
    /** Put at the cloud until JetStream delivers it at the edge, ms. */
    cloudToEdgeDelivered: Summary;
    /** cloudToEdge minus cloudToEdgeDelivered, per write: eddy's share, ms. */
    cloudToEdgeAdded: Summary;
    /** 3 × the one-way delay + 20 ms. */
    targetP99Ms: number;
  };
  /** An executor worker's state on a node on NATS, ms. */
  relay: {
    /** getSync from the replica, in place. */
    replicaRead: Summary;
    /** A request to the main isolate and its answer (what a read would cost there). */
    roundTrip: Summary;
    /** A put relayed through the main isolate's connection. */
    relayedPut: Summary;
    /** The same put made on the main isolate's store directly. */
    directPut: Summary;
  };
  /** A fresh replica of a bucket of `keys` 1 KB values, in a process of its own. */
  catchUp: {
    keys: number;
    seconds: number;
    replicaFileBytes: number;
    /** The process's RSS once caught up. */
    rssBytes: number;
    /** RSS growth from before the store opened until caught up. */
    rssGrowthBytes: number;
  };
}

/**
 * Runs the experiment.
 *
 * @example
 * ```ts ignore
 * const results = await runStateCluster({ scale: "quick", install: false, log: console.error });
 * ```
 */
export async function runStateCluster(
  ctx: ExperimentContext,
): Promise<StateClusterResults | { skipped: string }> {
  if (NATS_MISSING) return { skipped: NATS_MISSING };
  const samples = byScale(ctx.scale, { full: 300, quick: 100, tiny: 5 });
  const lagSamples = byScale(ctx.scale, { full: 300, quick: 100, tiny: 5 });
  const keys = byScale(ctx.scale, { full: 100_000, quick: 10_000, tiny: 200 });
  const dir = await Deno.makeTempDir({ prefix: "eddy-bench-state-" });
  await using link = startTcpProxy(() => hub.leafPort!, { delayMs: LINK_MS });
  const hub = await startNats({
    domain: "cloud",
    hub: true,
    advertiseLeaf: link.port,
  });
  await using _hub = hub;
  await using leaf = await startNats({ domain: "edge", leafTo: link.port });
  const open = (url: string, domain: string, name: string) =>
    NatsStateStore.connect({
      kind: "nats",
      servers: [url],
      domain,
      homes: domain === "edge" ? { thresholds: "cloud" } : { readings: "edge" },
      replicaPath: join(dir, `${name}.sqlite`),
    });
  const edge = await open(leaf.url, "edge", "edge");
  const cloud = await open(hub.url, "cloud", "cloud");
  try {
    const value = crypto.getRandomValues(new Uint8Array(VALUE_BYTES));
    const cloudThresholds = await cloud.bucket("thresholds");
    await untilOk(() => cloudThresholds.put("k", value));
    const edgeThresholds = await edge.bucket("thresholds");
    await waitFor(() => edgeThresholds.getSync("k") !== undefined, 30_000);

    ctx.log(`state-cluster: ${samples} reads each way`);
    const edgeReplica = await time(samples, () => {
      edgeThresholds.getSync("k");
      return Promise.resolve();
    });
    // State kept only in the cloud: a KV get from the edge, across the link.
    const nc = await connect({ servers: leaf.url });
    const remote = await new Kvm(jetstream(nc, { domain: "cloud" })).open(
      "thresholds",
    );
    const cloudOnly = await time(samples, async () => {
      await remote.get("k");
    });
    await nc.close();
    await using redis = await startRedis();
    await using redisLink = startTcpProxy(redis.port, { delayMs: LINK_MS });
    const client = await connectRedis(redisLink.port, 5000);
    await setBytes(client, "k", value);
    const redisBehindLink = await time(samples, async () => {
      await getBytes(client, "k");
    });
    await client.quit();

    ctx.log(`state-cluster: ${lagSamples} writes each way for the lag`);
    const edgeReadings = await edge.bucket("readings");
    const cloudReadings = await cloud.bucket("readings");
    const edgeToCloud = await lag(
      lagSamples,
      (i) => edgeReadings.put(`lag-${i}`, value),
      (i) => cloudReadings.getSync(`lag-${i}`) !== undefined,
    );
    // A plain JetStream consumer of the edge's mirror: when JetStream has
    // delivered each write at the edge, beside when eddy's replica has it.
    const observer = await connect({ servers: leaf.url });
    const delivered = new Map<string, number>();
    const consumer = await jetstream(observer).consumers.get(
      "KV_thresholds",
      { deliver_policy: DeliverPolicy.New },
    );
    const deliveries = await consumer.consume({
      callback: (m) => {
        delivered.set(m.subject, performance.now());
      },
    });
    const starts: number[] = [];
    const cloudToEdge = await lag(
      lagSamples,
      (i) => {
        starts[i] = performance.now();
        return cloudThresholds.put(`lag-${i}`, value);
      },
      (i) => edgeThresholds.getSync(`lag-${i}`) !== undefined,
    );
    const deliveredMs: number[] = [];
    for (let i = 0; i < lagSamples; i++) {
      const subject = `$KV.thresholds.lag-${i}`;
      await waitFor(() => delivered.has(subject), 10_000);
      deliveredMs.push(delivered.get(subject)! - starts[i]);
    }
    await deliveries.close();
    await observer.close();
    const addedMs = cloudToEdge.samples.map((ms, i) => ms - deliveredMs[i]);

    ctx.log(`state-cluster: an executor worker's reads and writes`);
    const replicaPath = join(dir, "cloud.sqlite");
    const relayServer = serveRelay(replicaPath, () => Promise.resolve(cloud));
    const worker = new Worker(new URL("./_relay_worker.ts", import.meta.url), {
      type: "module",
    });
    let relay: StateClusterResults["relay"];
    try {
      const answered = Promise.withResolvers<Record<string, number[]>>();
      worker.onmessage = (e) => answered.resolve(e.data);
      worker.onerror = (e) => answered.reject(e);
      worker.postMessage({ replicaPath, bucket: "thresholds", samples });
      const timed = await answered.promise;
      relay = {
        replicaRead: rounded(summarize(timed.replicaRead)),
        roundTrip: rounded(summarize(timed.roundTrip)),
        relayedPut: rounded(summarize(timed.relayedPut)),
        directPut: await time(samples, async () => {
          await cloudThresholds.put("w", value);
        }),
      };
    } finally {
      worker.terminate();
      relayServer[Symbol.dispose]();
    }

    ctx.log(`state-cluster: ${keys} keys, then a fresh replica catches up`);
    const many = await cloud.bucket("many");
    for (let i = 0; i < keys; i += 500) {
      await Promise.all(
        Array.from(
          { length: Math.min(500, keys - i) },
          (_, j) => many.put(`key-${i + j}`, value),
        ),
      );
    }
    // In a process of its own, so that the memory it reports is the
    // replica's alone.
    const { stdout, success } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./_catch_up.ts", import.meta.url).pathname,
        hub.url,
        join(dir, "fresh.sqlite"),
        "many",
      ],
      stderr: "inherit",
    }).output();
    if (!success) throw new Error("the fresh replica did not catch up");
    const fresh = JSON.parse(new TextDecoder().decode(stdout));
    if (fresh.keys !== keys) {
      throw new Error(`the fresh replica has ${fresh.keys} of ${keys} keys`);
    }
    const { size } = await Deno.stat(join(dir, "fresh.sqlite"));
    return {
      linkDelayMsEachWay: LINK_MS,
      valueBytes: VALUE_BYTES,
      read: {
        edgeReplica,
        cloudOnly,
        redisBehindLink,
        replicaSpeedup: round(cloudOnly.p50 / edgeReplica.p50, 0),
      },
      lag: {
        edgeToCloud: edgeToCloud.summary,
        cloudToEdge: cloudToEdge.summary,
        cloudToEdgeDelivered: rounded(summarize(deliveredMs)),
        cloudToEdgeAdded: rounded(summarize(addedMs)),
        targetP99Ms: 3 * LINK_MS + 20,
      },
      relay,
      catchUp: {
        keys,
        seconds: round(fresh.seconds, 2),
        replicaFileBytes: size,
        rssBytes: fresh.rssAfterBytes,
        rssGrowthBytes: fresh.rssAfterBytes - fresh.rssBeforeBytes,
      },
    };
  } finally {
    await edge[Symbol.asyncDispose]();
    await cloud[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Latencies of `n` sequential runs of `op`, ms (µs resolution). */
async function time(n: number, op: () => Promise<void>): Promise<Summary> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await op();
    ms.push(performance.now() - start);
  }
  return rounded(summarize(ms));
}

/** From each write's start until `seen(i)` holds at the other site, ms. */
async function lag(
  n: number,
  write: (i: number) => Promise<unknown>,
  seen: (i: number) => boolean,
): Promise<{ summary: Summary; samples: number[] }> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await write(i);
    await waitFor(() => seen(i), 10_000);
    ms.push(performance.now() - start);
  }
  return { summary: rounded(summarize(ms)), samples: ms };
}

async function waitFor(check: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 0));
  }
}

/** Retries `op` until it succeeds (the leaf connects to the hub). */
async function untilOk(op: () => Promise<unknown>) {
  const deadline = Date.now() + 30_000;
  while (true) {
    try {
      return await op();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function rounded(s: Summary): Summary {
  return {
    n: s.n,
    p50: round(s.p50, 4),
    p99: round(s.p99, 4),
    mean: round(s.mean, 4),
    min: round(s.min, 4),
  };
}

/**
 * The report's section for these results.
 *
 * @example
 * ```ts ignore
 * const markdown = stateClusterSection(results);
 * ```
 */
export function stateClusterSection(
  r: StateClusterResults | { skipped: string } | undefined,
): string {
  if (!r) return "";
  if ("skipped" in r && r.skipped) {
    return `## State across edge and cloud\n\nNot measured: ${r.skipped}.\n`;
  }
  const s = r as StateClusterResults;
  const row = (name: string, x: Summary) => `| ${name} | ${x.p50} | ${x.p99} |`;
  return [
    "## State across edge and cloud (Enoki's microbenchmarks)",
    "",
    `A NATS hub (cloud) and leaf (edge) joined through a loopback proxy ` +
    `delaying ${s.linkDelayMsEachWay} ms each way; ${s.valueBytes} B values.`,
    "",
    "| 1 KB read at the edge | p50 ms | p99 ms |",
    "| --- | --- | --- |",
    row("from the edge node's replica", s.read.edgeReplica),
    row("state only in the cloud (KV get across the link)", s.read.cloudOnly),
    row(
      "redis-server behind the link (stateless baseline)",
      s.read.redisBehindLink,
    ),
    "",
    `Replica vs cloud-only: ${s.read.replicaSpeedup}x faster at p50 ` +
    "(target ≥ 10x, Enoki ~10x end to end).",
    "",
    "| write → visible at the other site | p50 ms | p99 ms |",
    "| --- | --- | --- |",
    row("edge → cloud", s.lag.edgeToCloud),
    row("cloud → edge", s.lag.cloudToEdge),
    row(
      "cloud → edge, JetStream's delivery at the edge",
      s.lag.cloudToEdgeDelivered,
    ),
    row(
      "cloud → edge, eddy's share (fetch, apply, commit)",
      s.lag.cloudToEdgeAdded,
    ),
    "",
    `Target p99 ≤ ${s.lag.targetP99Ms} ms (3 × the one-way delay + 20 ms).`,
    "",
    "| an executor worker's state (node on NATS, from a worker isolate) | p50 ms | p99 ms |",
    "| --- | --- | --- |",
    row("read from the replica, in place", s.relay.replicaRead),
    row("round trip to the main isolate", s.relay.roundTrip),
    row("put relayed through the main isolate", s.relay.relayedPut),
    row("put on the main isolate's store", s.relay.directPut),
    "",
    `${s.catchUp.keys} keys of 1 KB: a fresh replica caught up in ` +
    `${s.catchUp.seconds} s; its file is ` +
    `${round(s.catchUp.replicaFileBytes / 2 ** 20, 1)} MiB; the process ` +
    `(a store alone) grew ${round(s.catchUp.rssGrowthBytes / 2 ** 20, 1)} ` +
    `MiB meanwhile, to ${round(s.catchUp.rssBytes / 2 ** 20, 1)} MiB.`,
    "",
  ].join("\n");
}

if (import.meta.main) {
  const results = await runStateCluster({
    scale: "quick",
    install: false,
    log: (m) => console.error(m),
  });
  console.log(JSON.stringify(results, null, 2));
}
