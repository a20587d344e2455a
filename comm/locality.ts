/**
 * Where a node runs. Two nodes on the same host can talk over a Unix socket;
 * zone and region are for placement and are not used to pick a transport.
 * Reading these from flags or config is the node's job.
 *
 * @module
 */

/** Locality metadata of one node. */
export interface Locality {
  /** Unique per node (one node is one process). */
  nodeId: string;
  /** Same value on every node of one machine, see {@linkcode defaultHostId}. */
  hostId: string;
  zone?: string;
  region?: string;
}

/**
 * This machine's identity: `/etc/machine-id` (stable across reboots,
 * distinct per installed machine or VM), else the hostname. Containers made
 * from one image may share a baked-in machine-id, and a shared id makes
 * nodes on different hosts try Unix sockets: set the host id explicitly
 * there. Needs read permission for the file or `sys` permission for the
 * hostname.
 *
 * @example
 * ```ts
 * import { defaultHostId } from "./locality.ts";
 * const here = { nodeId: "n1", hostId: defaultHostId() };
 * console.log(here.hostId.length > 0); // true
 * ```
 */
export function defaultHostId(): string {
  try {
    const id = Deno.readTextFileSync("/etc/machine-id").trim();
    if (id) return id;
  } catch {
    // No machine-id (macOS, Windows, minimal containers): use the hostname.
  }
  return Deno.hostname();
}
