/**
 * Mode 1, the same node: the consumer's handler is called directly, no
 * serialization and no socket.
 *
 * @module
 */
import { withDeadline } from "./deadline.ts";
import { PeerError } from "./errors.ts";
import {
  type CallOptions,
  type CommHandler,
  type CommRequest,
  type CommResponse,
  respond,
  type Transport,
} from "./message.ts";

/** Options of {@linkcode MemoryTransport}. */
export interface MemoryTransportOptions {
  /** Default per-call timeout in ms (default 30 000). */
  timeoutMs?: number;
}

/**
 * Calls handlers registered in this process. With `transfer: true` the
 * producer hands its payload over and the consumer gets that very
 * `Uint8Array`, no copy. Without it the consumer gets its own copy, made
 * with one `Uint8Array.prototype.set` into a buffer of exactly its size
 * before `call` returns, because the producer may reuse its bytes (a view
 * of a guest's memory) or hand them to another consumer next (fan-out, see
 * `handOver`). The response
 * is handed back as the handler returned it (handlers give their responses
 * up). A handler that throws gives an error response, as in other modes.
 *
 * @example
 * ```ts
 * import { MemoryTransport } from "./memory.ts";
 * const comm = new MemoryTransport();
 * comm.register("n1", (req) =>
 *   Promise.resolve({ status: 200, headers: {}, payload: req.payload.reverse() }));
 * const res = await comm.call("n1", {
 *   target: "reverse",
 *   headers: {},
 *   payload: new Uint8Array([1, 2, 3]),
 * });
 * console.log(res.payload); // Uint8Array(3) [ 3, 2, 1 ]
 * await comm.close();
 * ```
 */
export class MemoryTransport implements Transport {
  readonly mode = "memory" as const;
  readonly #handlers = new Map<string, CommHandler>();
  readonly #timeoutMs: number;

  constructor(options: MemoryTransportOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * Serves calls to `endpoint` (this node's id) with `handler`; the
   * returned function unregisters it.
   */
  register(endpoint: string, handler: CommHandler): () => void {
    this.#handlers.set(endpoint, handler);
    return () => {
      if (this.#handlers.get(endpoint) === handler) {
        this.#handlers.delete(endpoint);
      }
    };
  }

  call(
    endpoint: string,
    request: CommRequest,
    options: CallOptions = {},
  ): Promise<CommResponse> {
    const handler = this.#handlers.get(endpoint);
    if (!handler) {
      return Promise.reject(
        new PeerError(
          "peer_unreachable",
          endpoint,
          "no handler registered in this process",
          { mode: this.mode },
        ),
      );
    }
    let payload = request.payload;
    if (!options.transfer) {
      payload = new Uint8Array(request.payload.byteLength);
      payload.set(request.payload);
    }
    const delivered = {
      target: request.target,
      headers: { ...request.headers },
      payload,
    };
    return withDeadline(respond(handler, delivered, options.signal), {
      peer: endpoint,
      mode: this.mode,
      timeoutMs: options.timeoutMs ?? this.#timeoutMs,
      signal: options.signal,
    });
  }

  /** Unregisters every handler. */
  close(): Promise<void> {
    this.#handlers.clear();
    return Promise.resolve();
  }
}
