/**
 * The unit the comm layer moves: a request to a target on a peer and the
 * response it gets, whatever the mode. A transport returns the handler's
 * response as it is (a 4xx or 5xx included) and throws a `PeerError` only
 * when the peer itself failed.
 *
 * @module
 */
import { EddyError } from "../runtime/errors.ts";
import type { Mode } from "./mode.ts";

/** A request to a peer. */
export interface CommRequest {
  /** What to deliver to: a function or a workflow step; opaque to comm. */
  target: string;
  /** Small metadata; names and values arrive exactly as sent, in every mode. */
  headers: Record<string, string>;
  /** The bytes; must not change until the call settles. */
  payload: Uint8Array;
}

/** What a handler answers. */
export interface CommResponse {
  /** An HTTP status, 200-599. */
  status: number;
  headers: Record<string, string>;
  /** The handler gives this up: it must not change it after returning. */
  payload: Uint8Array;
}

/**
 * Serves the requests a node receives, in any mode. `signal` aborts when
 * the caller gave the call up (it reset its stream, sent a cancel frame or
 * dropped its connection): the answer will not be read.
 */
export type CommHandler = (
  request: CommRequest,
  signal?: AbortSignal,
) => Promise<CommResponse>;

/** Per-call options of {@linkcode Transport.call}. */
export interface CallOptions {
  /** Give up after this long (ms) with a `peer_timeout` error. */
  timeoutMs?: number;
  /** Abort the call; it rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * The caller hands the payload over and will not touch it again, so the
   * memory mode need not copy it. Other modes ignore it.
   */
  transfer?: boolean;
}

/**
 * Sends requests to peers over one mode. `endpoint` is the peer's address in
 * that mode: a node id (memory), a socket path (unix), a URL (http2).
 *
 * @example
 * ```ts ignore
 * const res = await transport.call(endpoint, { target: "resize", headers: {}, payload });
 * if (res.status !== 200) console.log(new TextDecoder().decode(res.payload));
 * await transport.close();
 * ```
 */
export interface Transport {
  readonly mode: Mode;
  /** Resolves with the peer's response or rejects with a `PeerError`. */
  call(
    endpoint: string,
    request: CommRequest,
    options?: CallOptions,
  ): Promise<CommResponse>;
  /** Closes every connection; calls in flight reject. */
  close(): Promise<void>;
}

/** Statuses whose responses carry no body in HTTP. */
const NULL_BODY_STATUS = new Set([204, 205, 304]);

/**
 * Runs `handler` (with the caller's `signal`) and always answers: a handler that throws (or returns
 * something that is not a valid response) becomes an error response, 500
 * with the error's code in its JSON body, so that every mode reports handler
 * failures the same way.
 *
 * @example
 * ```ts
 * import { respond } from "./message.ts";
 * const res = await respond(() => Promise.reject(new Error("boom")), {
 *   target: "x",
 *   headers: {},
 *   payload: new Uint8Array(),
 * });
 * console.log(res.status); // 500
 * ```
 */
export async function respond(
  handler: CommHandler,
  request: CommRequest,
  signal?: AbortSignal,
): Promise<CommResponse> {
  try {
    const response = await handler(request, signal);
    const problem = responseProblem(response);
    if (problem) throw new Error(`handler returned ${problem}`);
    return response;
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * The response that reports `error` with `status` (the node picks it from
 * the error's code, as its API does) and the API's JSON error body.
 *
 * @example
 * ```ts
 * import { errorResponse } from "./message.ts";
 * console.log(errorResponse(new Error("boom")).status); // 500
 * ```
 */
export function errorResponse(error: unknown, status = 500): CommResponse {
  const body = error instanceof EddyError
    ? error.toJSON()
    : { error: { code: "internal", message: String(error) } };
  return {
    status,
    headers: { "content-type": "application/json" },
    payload: new TextEncoder().encode(JSON.stringify(body)),
  };
}

function responseProblem(response: CommResponse): string | undefined {
  if (typeof response !== "object" || response === null) return "no response";
  const { status, headers, payload } = response;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    return `status ${status}, not 200-599`;
  }
  if (!(payload instanceof Uint8Array)) {
    return "a payload that is no Uint8Array";
  }
  if (NULL_BODY_STATUS.has(status) && payload.byteLength > 0) {
    return `a payload with status ${status}, which has no body`;
  }
  return headersProblem(headers);
}

/**
 * Why `headers` is not a flat record of strings, or `undefined`.
 *
 * @example
 * ```ts
 * import { headersProblem } from "./message.ts";
 * console.log(headersProblem({ a: "1" })); // undefined
 * console.log(headersProblem({ a: 1 })); // header a is not a string
 * ```
 */
export function headersProblem(headers: unknown): string | undefined {
  if (typeof headers !== "object" || headers === null) return "no headers";
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== "string") return `header ${name} is not a string`;
  }
  return undefined;
}
