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
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { StateBucket, StateStore } from "../state/store.ts";
import { Replica } from "./_replica.ts";
import { type Connected, ReplicatedBucket } from "./bucket.ts";
import { StateUnavailableError } from "./errors.ts";

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
 * Buckets on NATS JetStream.
 *
 * @example
 * ```ts ignore
 * await using store = NatsStateStore.open(nc, { domain: "edge", homes: { thresholds: "cloud" }, connected: () => true, replicaPath: "./eddy-data/state-replica.sqlite" });
 * const thresholds = await store.bucket("thresholds"); // a mirror of the cloud's
 * ```
 */
export class NatsStateStore implements StateStore {
  readonly #nc: NatsConnection;
  readonly #options: NatsStoreOptions;
  readonly #buckets = new Map<string, Promise<ReplicatedBucket>>();
  readonly #replica: Replica;

  private constructor(nc: NatsConnection, options: NatsStoreOptions) {
    this.#nc = nc;
    this.#options = options;
    this.#replica = new Replica(options.replicaPath);
  }

  /** A store on connection `nc`; buckets open on first use. */
  static open(nc: NatsConnection, options: NatsStoreOptions): NatsStateStore {
    return new NatsStateStore(nc, options);
  }

  bucket(name: string): Promise<StateBucket> {
    let bucket = this.#buckets.get(name);
    if (!bucket) {
      bucket = this.#open(name);
      this.#buckets.set(name, bucket);
      // A bucket that could not open is tried afresh next time.
      bucket.catch(() => this.#buckets.delete(name));
    }
    return bucket;
  }

  /** The domain bucket `name` lives in (undefined: the local one). */
  homeOf(name: string): string | undefined {
    return this.#options.homes?.[name] ?? this.#options.domain;
  }

  async #open(name: string): Promise<ReplicatedBucket> {
    const timeout = this.#options.writeTimeoutMs ?? 2000;
    const home = this.homeOf(name);
    let kv: KV;
    try {
      const local = new Kvm(jetstream(this.#nc, { timeout }));
      if (home === this.#options.domain) {
        kv = await local.create(name, { history: 1 });
      } else {
        // Make sure the home exists; when it cannot be reached now, the
        // mirror waits for it and fills in once the uplink is back.
        await new Kvm(jetstream(this.#nc, { domain: home, timeout }))
          .create(name, { history: 1 }).catch(() => {});
        kv = await local.create(name, {
          history: 1,
          mirror: { name, domain: home },
        });
      }
    } catch (error) {
      throw new StateUnavailableError(
        name,
        "open",
        (error as Error).message,
      );
    }
    return await ReplicatedBucket.open(
      name,
      kv,
      this.#replica,
      this.#options.connected,
      this.#options.follow ?? true,
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const open = await Promise.allSettled(this.#buckets.values());
    for (const bucket of open) {
      if (bucket.status === "fulfilled") {
        await bucket.value[Symbol.asyncDispose]();
      }
    }
    this.#replica[Symbol.dispose]();
  }
}
