/**
 * The error for work whose only nodes are down, and a readable reason for a
 * failed request to a peer.
 *
 * @module
 */
import { EddyError } from "../runtime/errors.ts";

/**
 * A function, workflow or node the cluster has but cannot reach now
 * (`node_unavailable`, 503): it names the nodes and why each is down, so
 * that a retry after they return is the fix, not a change of input.
 *
 * @example
 * ```ts
 * import { NodeUnavailableError } from "./unavailable.ts";
 * const e = new NodeUnavailableError("function 'resize'", [
 *   { id: "b", lastError: "ECONNREFUSED: connection refused" },
 * ]);
 * console.log(e.code, e.message);
 * // node_unavailable function 'resize' runs only on node 'b', which is down (ECONNREFUSED: connection refused)
 * ```
 */
export class NodeUnavailableError extends EddyError {
  constructor(what: string, nodes: { id: string; lastError?: string }[]) {
    const named = nodes.map((n) =>
      `'${n.id}'${n.lastError ? ` (${n.lastError})` : ""}`
    );
    super(
      "node_unavailable",
      nodes.length === 1
        ? `${what} runs only on node ${named[0]}, which is down`
        : `${what} needs nodes ${named.join(", ")}, which are down`,
      { nodes: nodes.map((n) => n.id) },
    );
  }
}

/**
 * Why a request to a peer failed, in the terms an operator looks for:
 * `ECONNREFUSED`, `TLS: …`, `timeout …`, not the runtime's `fetch failed`.
 *
 * @example
 * ```ts
 * import { whyFailed } from "./unavailable.ts";
 * const refused = new TypeError("fetch failed", {
 *   cause: new Error("tcp connect error: Connection refused (os error 111)"),
 * });
 * console.log(whyFailed(refused, 1000)); // ECONNREFUSED: connection refused
 * ```
 */
export function whyFailed(error: unknown, timeoutMs: number): string {
  const e = error as Error;
  if (e?.name === "TimeoutError") {
    return `timeout: no answer within ${timeoutMs} ms`;
  }
  const detail = String((e?.cause as Error)?.message ?? e?.message ?? e);
  for (const [pattern, name] of KNOWN) {
    if (pattern.test(detail)) return `${name}: ${tail(detail)}`;
  }
  return tail(detail);
}

const KNOWN: [RegExp, string][] = [
  [/connection refused/i, "ECONNREFUSED"],
  [/connection reset/i, "ECONNRESET"],
  [/dns error|failed to lookup|name or service not known/i, "ENOTFOUND"],
  [/timed out/i, "ETIMEDOUT"],
  [/no route to host|network is unreachable/i, "EHOSTUNREACH"],
  [/certificate|tls|handshake|corrupt message|InvalidContentType/i, "TLS"],
];

/** The last, most specific clause of a hyper/rustls error chain. */
function tail(message: string): string {
  const parts = message.split(/:\s+/);
  const last = parts.at(-1)!.replace(/\s*\(os error \d+\)$/, "");
  return last.charAt(0).toLowerCase() + last.slice(1);
}
