/**
 * eddy on NATS JetStream: cluster membership in a KV bucket, and state
 * buckets replicated by JetStream (mirrors across leaf nodes and domains
 * for edge and cloud sites), read from each node's local replica.
 *
 * @example
 * ```ts ignore
 * import { joinNats } from "./nats/mod.ts";
 * const nats = await joinNats(node, { servers: ["nats://127.0.0.1:4222"], replicaPath });
 * const store = NatsStateStore.connect(nats.storeConfig);
 * const readings = await store.bucket("readings");
 * await store[Symbol.asyncDispose]();
 * await nats.close();
 * ```
 *
 * @module
 */
export { connectNats, type NatsOptions, trackConnection } from "./connect.ts";
export { NatsConfigError, StateUnavailableError } from "./errors.ts";
export {
  MEMBERS_BUCKET,
  type MembershipOptions,
  NatsMembership,
} from "./membership.ts";
export {
  NatsStateStore,
  type NatsStoreConfig,
  type NatsStoreOptions,
} from "./store.ts";
export { type BucketLink, ReplicatedBucket } from "./bucket.ts";
export { RelayedBucket, RelayedStore, serveRelay } from "./relay.ts";
export {
  joinNats,
  type NatsCluster,
  type NatsClusterOptions,
  natsStoreConfig,
} from "./join.ts";
