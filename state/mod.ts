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
 * Opens the store `config` names.
 *
 * @example
 * ```ts ignore
 * const store = await openStore({ kind: "embedded", dir: "./eddy-data/state" });
 * ```
 */
export async function openStore(config: StoreConfig): Promise<StateStore> {
  switch (config.kind) {
    case "embedded":
      return openEmbeddedStore(config.dir);
    case "nats": {
      // Loaded only where configured (the NATS client costs an isolate ~20
      // MB and ~200 ms to import), by a computed specifier so that bundlers
      // keep it out of the executor worker's bundle, where its CommonJS
      // shims cannot start (a worker bundle runs from a blob: URL).
      const specifier = new URL("../nats/store.ts", import.meta.url).href;
      const nats = await import(specifier) as typeof import("../nats/store.ts");
      return nats.NatsStateStore.connect(config);
    }
  }
}
