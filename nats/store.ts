/**
 * The replicated state store: every bucket lives in one JetStream domain,
 * its home (by default the site of the node's own NATS server); a node at
 * another site keeps a JetStream mirror of it on its own server, so reads
 * stay local even when the uplink is down, and its writes travel to the
 * home over the leaf connection (JetStream's own replication, none of
 * eddy's). Each node reads a replica of its buckets in its data dir.
 *
 * @module
 */
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { StateStore } from "../state/store.ts";
import { connectNats, type NatsOptions, trackConnection } from "./connect.ts";
import { Replica } from "./_replica.ts";
import { type BucketLink, type Connected, ReplicatedBucket } from "./bucket.ts";

/**
 * How to open a node's replicated store, as plain data (it crosses to the
 * executor workers, which read its replica and relay writes: relay.ts).
 *
 * @example
 * ```ts
 * import type { NatsStoreConfig } from "./store.ts";
 * const config: NatsStoreConfig = {
 *   kind: "nats", servers: ["nats://127.0.0.1:4222"], domain: "edge",
 *   homes: { thresholds: "cloud" }, replicaPath: "./eddy-data/state-replica.sqlite",
 * };
 * ```
 */
export interface NatsStoreConfig extends NatsOptions {
  kind: "nats";
  replicaPath: string;
  domain?: string;
  homes?: Record<string, string>;
  follow?: boolean;
  /**
   * The node's connection, when it has one already (its membership's):
   * the store uses it instead of opening its own, so that a node process
   * holds one. Main isolate only: it never crosses to a worker.
   */
  connection?: NatsConnection;
}

/** Options of {@linkcode NatsStateStore.open}. */
export interface NatsStoreOptions {
  /** The JetStream domain of the node's own NATS server, if it has one. */
  domain?: string;
  /** Buckets whose home is another domain: bucket name → domain. */
  homes?: Record<string, string>;
  /** How long a write may wait for JetStream's acknowledgement (ms). */
  writeTimeoutMs?: number;
  /** Whether the connection is up now. */
  connected: Connected;
  /** The replica file (SQLite), in the node's data dir. */
  replicaPath: string;
  /**
   * Whether this isolate feeds the replica (one per node does); others
   * read it and write through to JetStream.
   */
  follow?: boolean;
}

/**
 * Buckets on NATS JetStream (a bucket named with dots is stored under a
 * KV name without them, see {@linkcode kvBucketName}).
 *
 * @example
 * ```ts ignore
 * await using store = NatsStateStore.open(nc, { domain: "edge", homes: { thresholds: "cloud" }, connected: () => true, replicaPath: "./eddy-data/state-replica.sqlite" });
 * const thresholds = await store.bucket("thresholds"); // a mirror of the cloud's
 * ```
 */
export class NatsStateStore implements StateStore {
  /** Resolves once connected (a store may open while NATS is down). */
  readonly #nc: Promise<NatsConnection>;
  readonly #options: NatsStoreOptions;
  readonly #buckets = new Map<string, Promise<ReplicatedBucket>>();
  readonly #replica: Replica;
  /** Whether closing the store closes its connection (it opened it). */
  #ownsConnection = false;

  private constructor(
    nc: Promise<NatsConnection>,
    options: NatsStoreOptions,
  ) {
    this.#nc = nc;
    this.#options = options;
    this.#replica = new Replica(options.replicaPath);
  }

  /** A store on connection `nc`; buckets open on first use. */
  static open(nc: NatsConnection, options: NatsStoreOptions): NatsStateStore {
    return new NatsStateStore(Promise.resolve(nc), options);
  }

  bucket(name: string): Promise<ReplicatedBucket> {
    let bucket = this.#buckets.get(name);
    if (!bucket) {
      bucket = this.#open(name);
      this.#buckets.set(name, bucket);
      // A bucket that could not open is tried afresh next time.
      bucket.catch(() => this.#buckets.delete(name));
    }
    return bucket;
  }

  /**
   * The replica lag for metrics: the largest {@linkcode ReplicatedBucket.lagMs}
   * of the buckets open here, in seconds.
   */
  async lagSeconds(): Promise<number> {
    const open = await Promise.allSettled(this.#buckets.values());
    return Math.max(
      0,
      ...open.map((b) => b.status === "fulfilled" ? b.value.lagMs / 1000 : 0),
    );
  }

  /** The domain bucket `name` lives in (undefined: the local one). */
  homeOf(name: string): string | undefined {
    return this.#options.homes?.[name] ?? this.#options.domain;
  }

  #open(name: string): Promise<ReplicatedBucket> {
    return ReplicatedBucket.open(
      name,
      () => this.#link(name),
      this.#replica,
      this.#options.connected,
      { follow: this.#options.follow ?? true },
    );
  }

  /** Reaches bucket `name` on JetStream: the bucket at home, or a mirror. */
  async #link(name: string): Promise<BucketLink> {
    const timeout = this.#options.writeTimeoutMs ?? 2000;
    const nc = await within(this.#nc, timeout);
    const home = this.homeOf(name);
    const kvName = kvBucketName(name);
    const local = new Kvm(jetstream(nc, { timeout }));
    if (home === this.#options.domain) {
      return { kv: await local.create(kvName, { history: 1 }) };
    }
    // The home may be out of reach now: the mirror waits for it, and the
    // first write that can reach it creates it if need be.
    const remote = new Kvm(jetstream(nc, { domain: home, timeout }));
    let ready: Promise<void> | undefined;
    const ensureHome = () =>
      ready ??= remote.create(kvName, { history: 1 }).then(
        () => {},
        (error) => {
          ready = undefined;
          throw error;
        },
      );
    await ensureHome().catch(() => {});
    const kv = await local.create(kvName, {
      history: 1,
      mirror: { name: kvName, domain: home },
    });
    return { kv, ensureHome };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const open = await Promise.allSettled(this.#buckets.values());
    for (const bucket of open) {
      if (bucket.status === "fulfilled") {
        await bucket.value[Symbol.asyncDispose]();
      }
    }
    this.#replica[Symbol.dispose]();
    if (this.#ownsConnection) {
      // A connection still dialling is dropped once it connects.
      const nc = await within(this.#nc, 0).catch(() => undefined);
      if (nc) await nc.close();
      else this.#nc.then((late) => late.close()).catch(() => {});
    }
  }

  /**
   * Opens the store `config` describes, on its `connection` or else on a
   * connection of its own. It opens even while NATS is down: buckets this
   * node replicated before read from the replica, and follow again once
   * the connection is made.
   */
  static connect(config: NatsStoreConfig): NatsStateStore {
    const { kind: _, replicaPath, domain, homes, follow, connection, ...nats } =
      config;
    if (connection) {
      return NatsStateStore.open(connection, {
        replicaPath,
        domain,
        homes,
        follow,
        connected: trackConnection(connection),
      });
    }
    let connected: () => boolean = () => false;
    const nc = connectNats({ ...nats, waitOnFirstConnect: true }).then(
      (nc) => {
        connected = trackConnection(nc);
        return nc;
      },
    );
    const store = new NatsStateStore(nc, {
      replicaPath,
      domain,
      homes,
      follow,
      connected: () => connected(),
    });
    store.#ownsConnection = true;
    return store;
  }
}

/**
 * The JetStream KV bucket that holds state bucket `name`: KV names take
 * only `A-Z a-z 0-9 _ -`, so `_` doubles and `.` becomes `_d` (one to one).
 *
 * @example
 * ```ts
 * import { kvBucketName } from "./store.ts";
 * console.log(kvBucketName("sensors.v2"), kvBucketName("my_carts")); // sensors_dv2 my__carts
 * ```
 */
export function kvBucketName(name: string): string {
  return name.replaceAll("_", "__").replaceAll(".", "_d");
}

/** `promise`, or a rejection once `ms` passed without it settling. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`NATS not reached within ${ms} ms`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}
