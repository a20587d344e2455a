/**
 * Which transport an edge between two nodes uses (CWASI's three modes), as
 * pure functions of the two localities.
 *
 * @module
 */
import type { Locality } from "./locality.ts";

/**
 * `memory`: same node, the consumer gets the bytes in-process;
 * `unix`: same host, framed binary over a Unix socket;
 * `http2`: anywhere, HTTP/2 over TCP (h2c or TLS).
 */
export type Mode = "memory" | "unix" | "http2";

/** Every mode, cheapest first. */
export const MODES: readonly Mode[] = ["memory", "unix", "http2"];

/**
 * Whether a string (a flag, a config value) names a mode.
 *
 * @example
 * ```ts
 * import { isMode } from "./mode.ts";
 * console.log(isMode("unix"), isMode("tcp")); // true false
 * ```
 */
export function isMode(value: string): value is Mode {
  return (MODES as readonly string[]).includes(value);
}

/**
 * The cheapest mode that can connect `from` to `to`: the same node talks in
 * memory, nodes with the same host id over a Unix socket, others over
 * HTTP/2.
 *
 * @example
 * ```ts
 * import { chooseMode } from "./mode.ts";
 * const a = { nodeId: "a", hostId: "h1" };
 * console.log(chooseMode(a, a)); // memory
 * console.log(chooseMode(a, { nodeId: "b", hostId: "h1" })); // unix
 * console.log(chooseMode(a, { nodeId: "c", hostId: "h2" })); // http2
 * ```
 */
export function chooseMode(from: Locality, to: Locality): Mode {
  if (from.nodeId === to.nodeId) return "memory";
  if (from.hostId === to.hostId) return "unix";
  return "http2";
}

/**
 * Why `mode`, forced by configuration (say, to measure it), cannot carry an
 * edge from `from` to `to`; `undefined` when it can. Memory needs the same
 * node (one node is one process); a Unix socket needs the same host. HTTP/2
 * reaches any node, the same one included.
 *
 * @example
 * ```ts
 * import { forcedModeProblem } from "./mode.ts";
 * const a = { nodeId: "a", hostId: "h1" };
 * const b = { nodeId: "b", hostId: "h2" };
 * console.log(forcedModeProblem("unix", a, b));
 * // mode unix needs both nodes on one host, but a is on h1 and b on h2
 * console.log(forcedModeProblem("http2", a, b)); // undefined
 * ```
 */
export function forcedModeProblem(
  mode: Mode,
  from: Locality,
  to: Locality,
): string | undefined {
  if (mode === "memory" && from.nodeId !== to.nodeId) {
    return `mode memory needs both ends in one node (one process), but ${from.nodeId} and ${to.nodeId} are different nodes`;
  }
  if (mode === "unix" && from.hostId !== to.hostId) {
    return `mode unix needs both nodes on one host, but ${from.nodeId} is on ${from.hostId} and ${to.nodeId} on ${to.hostId}`;
  }
  return undefined;
}
