/**
 * Bench-only npm packages, pinned here instead of in deno.json's import map
 * (which is the product's): node-redis, the client the Redis baselines use.
 *
 * @example
 * ```ts ignore
 * import { createClient } from "./_deps.ts";
 * const client = createClient({ url: "redis://127.0.0.1:6379" });
 * ```
 *
 * @module
 */
export { createClient } from "npm:redis@^4.7.1";
