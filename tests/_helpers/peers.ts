/**
 * What end-to-end cluster tests ask a node about its peers, and how they put
 * an example function on one node.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "./node_process.ts";

/**
 * A peer as `GET /v1/peers` shows it.
 *
 * @example
 * ```ts
 * import type { PeerView } from "./peers.ts";
 * const down: PeerView = { url: "http://127.0.0.1:1", up: false, lastError: "ECONNREFUSED" };
 * ```
 */
export interface PeerView {
  url?: string;
  up: boolean;
  lastError?: string;
  /** Where the node learnt of it (`peer`, `nats`). */
  source?: string;
  info?: { id: string; functions: string[] };
}

/**
 * The peers node `url` knows.
 *
 * @example
 * ```ts ignore
 * console.log((await peersOf(node.url)).length);
 * ```
 */
export async function peersOf(url: string): Promise<PeerView[]> {
  return (await (await fetch(`${url}/v1/peers`)).json()).peers;
}

/**
 * Whether node `url` sees node `id` as `up` (or as down, with `up` false).
 *
 * @example
 * ```ts ignore
 * await until(() => sees(a.url, "b"));
 * ```
 */
export async function sees(
  url: string,
  id: string,
  up = true,
): Promise<boolean> {
  return (await peersOf(url)).some((p) => p.info?.id === id && p.up === up);
}

/**
 * Deploys `examples/<module>/<module>.wasm` as function `name` on node `url`.
 *
 * @example
 * ```ts ignore
 * await deployExample(node.url, "up", "uppercase");
 * ```
 */
export async function deployExample(
  url: string,
  name: string,
  module: string,
): Promise<void> {
  const res = await fetch(`${url}/v1/functions/${name}`, {
    method: "PUT",
    headers: { "content-type": "application/wasm" },
    body: await Deno.readFile(
      join(REPO_ROOT, `examples/${module}/${module}.wasm`),
    ),
  });
  assert.equal(res.status, 201, await res.clone().text());
  await res.body?.cancel();
}
