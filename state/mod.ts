/**
 * Function state: buckets of keys that guests read locally as files and
 * through the `eddy` `kv_*` imports, and operators through `/v1/kv`.
 * `openStore` opens the backend a {@linkcode StoreConfig} names; the
 * embedded one (SQLite in the data dir) is the default.
 *
 * @example
 * ```ts
 * import { openStore } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const store = await openStore({ kind: "embedded", dir });
 * const carts = await store.bucket("carts");
 * const revision = await carts.put("alice", new TextEncoder().encode("2 apples"));
 * console.log(carts.getSync("alice")?.revision === revision); // true
 * await store[Symbol.asyncDispose]();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { openEmbeddedStore } from "./embedded.ts";
import { RelayedStore } from "../nats/relay.ts";
import type { StateStore, StoreConfig } from "./store.ts";

export type {
  KeyPage,
  StateBucket,
  StateEntry,
  StateStore,
  StoreConfig,
} from "./store.ts";
export { StateError, type StateErrorCode } from "./errors.ts";
export { BUCKET_NAME, checkBucket, checkKey, isKey, KEY_NAME } from "./keys.ts";
export { EmbeddedStore, openEmbeddedStore } from "./embedded.ts";

/**
 * Opens the store `config` names, as an isolate that runs guests does. For
 * `nats`, that is the node's replica read in place, with writes relayed to
 * the node's main isolate (its one NATS connection, see nats/relay.ts); the
 * main isolate opens the NATS store itself (node/state.ts).
 *
 * @example
 * ```ts ignore
 * const store = await openStore({ kind: "embedded", dir: "./eddy-data/state" });
 * ```
 */
export function openStore(config: StoreConfig): Promise<StateStore> {
  switch (config.kind) {
    case "embedded":
      return Promise.resolve(openEmbeddedStore(config.dir));
    case "nats":
      return Promise.resolve(new RelayedStore(config.replicaPath));
  }
}
