/**
 * What a run of a function with `state:` gets: its buckets from the
 * isolate's store (opened once per isolate and config), mounted as KV
 * preopens, and the `kv_*` imports over the same buckets.
 *
 * @module
 */
import type { StateStore, StoreConfig } from "../../state/store.ts";
import type { StateMount } from "../manifest/mod.ts";
import { type BackendPreopen, kvPreopen, KvSession } from "../wasi/mod.ts";
import type { GuestBucket } from "./guest_kv.ts";

/**
 * A function's state as a job carries it: where the store is and what it
 * declares.
 *
 * @example
 * ```ts
 * import type { JobState } from "./guest_state.ts";
 * const state: JobState = {
 *   store: { kind: "embedded", dir: "./eddy-data/state" },
 *   mounts: [{ bucket: "carts", mount: "/state", readOnly: false }],
 * };
 * ```
 */
export interface JobState {
  store: StoreConfig;
  mounts: StateMount[];
}

/** A run's state, ready to hand to its WASI host and `kv_*` imports. */
export interface RunState {
  session: KvSession;
  preopens: BackendPreopen[];
  buckets: Map<string, GuestBucket>;
}

const stores = new Map<string, Promise<StateStore>>();

/**
 * Opens (once per isolate) the store and the buckets `state` declares.
 *
 * @example
 * ```ts ignore
 * const run = await prepareState(spec.state, hooks, Date.now() + spec.timeoutMs);
 * ```
 */
export async function prepareState(
  state: JobState,
  hooks?: { suspend(): void; resume(): void },
  deadline = Infinity,
): Promise<RunState> {
  const id = JSON.stringify(state.store);
  let store = stores.get(id);
  if (!store) {
    // Loaded by the first run with state: the stores (SQLite, the NATS
    // client) were most of what an executor worker loaded at start.
    store = import("../../state/mod.ts").then(({ openStore }) =>
      openStore(state.store)
    );
    stores.set(id, store);
    store.catch(() => stores.delete(id));
  }
  const opened = await store;
  const session = new KvSession(hooks, deadline);
  const preopens: BackendPreopen[] = [];
  const buckets = new Map<string, GuestBucket>();
  for (const mount of state.mounts) {
    const bucket = await opened.bucket(mount.bucket);
    buckets.set(mount.bucket, { bucket, readOnly: mount.readOnly });
    preopens.push(kvPreopen(bucket, mount.mount, !mount.readOnly, session));
  }
  return { session, preopens, buckets };
}
