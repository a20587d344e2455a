/**
 * Function state: named buckets of keys, read from the node's own replica
 * and written through to whatever makes a write durable (the embedded store
 * alone, NATS JetStream in a cluster). Guests reach a bucket through a WASI
 * mount (a key is a file) and the `eddy` `kv_*` imports; operators through
 * `/v1/kv`. Every backend implements these two interfaces, so the guest
 * surface, the API and the CLI never know which one they talk to.
 *
 * A store is opened in every isolate that runs guests with state (the main
 * isolate for `/v1/kv`, each executor worker for guests), from a plain-data
 * {@linkcode StoreConfig} that can be posted to a worker; `state/mod.ts`
 * `openStore` picks the backend by its `kind`.
 *
 * Revisions are decimal strings of a positive integer below 2^64 (a SQLite
 * sequence, a JetStream sequence number) so that guests can hold one as a
 * u64; they only compare for equality. A reader on the writer's node
 * sees the write as soon as `put` resolves (read-your-writes); elsewhere
 * eventually; concurrent puts are last-writer-wins, `cas` is the way to
 * avoid losing one.
 *
 * @module
 */
import type { NatsStoreConfig } from "../nats/store.ts";

/**
 * One key's value as a reader sees it.
 *
 * @example
 * ```ts
 * import type { StateEntry } from "./store.ts";
 * const entry: StateEntry = { value: new Uint8Array([1]), revision: "1", updatedAt: Date.now() };
 * ```
 */
export interface StateEntry {
  value: Uint8Array;
  /** Changes on every write of this key; compare with `===` only (u64 as decimal). */
  revision: string;
  /** When the value was written, ms since the epoch. */
  updatedAt: number;
}

/**
 * A page of keys, in key order.
 *
 * @example
 * ```ts
 * import type { KeyPage } from "./store.ts";
 * const last: KeyPage = { keys: ["a", "b"] };
 * ```
 */
export interface KeyPage {
  keys: string[];
  /** Pass back as `after` for the next page; absent on the last page. */
  next?: string;
}

/**
 * One bucket: reads from the local replica, writes acknowledged once durable.
 *
 * @example
 * ```ts ignore
 * const carts = await store.bucket("carts");
 * const rev = await carts.put("alice", new TextEncoder().encode("2 apples"));
 * console.log((await carts.get("alice"))?.revision === rev); // true
 * ```
 */
export interface StateBucket {
  readonly name: string;
  /**
   * The value as of now in this node's replica, read synchronously: guests
   * read state files inside a synchronous WASI call, so a replica must be
   * readable without awaiting (the embedded store is SQLite, read in place).
   */
  getSync(key: string): StateEntry | undefined;
  /** {@linkcode StateBucket.list}, synchronously from the replica. */
  listSync(
    options?: { prefix?: string; after?: string; limit?: number },
  ): KeyPage;
  /** The value as of now on this node, or undefined. Never leaves the node. */
  get(key: string): Promise<StateEntry | undefined>;
  /** Keys in order, `limit` at a time, starting after `after`. */
  list(options?: { prefix?: string; after?: string; limit?: number }): Promise<
    KeyPage
  >;
  /** Writes `value`; resolves to its revision once durable. */
  put(key: string, value: Uint8Array): Promise<string>;
  /** Deletes `key` (no error if absent); resolves once durable. */
  delete(key: string): Promise<void>;
  /**
   * Writes `value` (or deletes, with `null`) only if the key's revision is
   * `expected` (`null`: the key must not exist). Resolves to the new
   * revision, or `undefined` when the revision did not match.
   */
  cas(
    key: string,
    value: Uint8Array | null,
    expected: string | null,
  ): Promise<string | undefined>;
}

/**
 * Where a node's buckets live.
 *
 * @example
 * ```ts ignore
 * await using store = await openStore({ dataDir: "./eddy-data" });
 * const prices = await store.bucket("prices");
 * ```
 */
export interface StateStore extends AsyncDisposable {
  /** The bucket `name`, created on first use. */
  bucket(name: string): Promise<StateBucket>;
}

/**
 * How to open a node's store, as plain data (it crosses to worker isolates).
 * `embedded`: SQLite files in `dir` (the node's data dir `state/`); `nats`:
 * NATS JetStream with a replica in the data dir (nats/store.ts).
 *
 * @example
 * ```ts
 * import type { StoreConfig } from "./store.ts";
 * const config: StoreConfig = { kind: "embedded", dir: "./eddy-data/state" };
 * ```
 */
export type StoreConfig = { kind: "embedded"; dir: string } | NatsStoreConfig;
