/**
 * Errors of the comm layer. A transport either returns the peer's response
 * (whatever its status) or throws one of these; each names the peer
 * endpoint so that a trace or an API error says which node was at fault.
 *
 * @module
 */
import { EddyError, type ErrorDetails } from "../runtime/errors.ts";

/** Why a call to a peer failed. */
export type PeerErrorCode =
  | "peer_unreachable"
  | "peer_timeout"
  | "peer_protocol";

const PEER_PROBLEM: Record<PeerErrorCode, string> = {
  peer_unreachable: "unreachable",
  peer_timeout: "timed out",
  peer_protocol: "protocol error",
};

/**
 * A peer could not be reached or stopped answering (`peer_unreachable`),
 * did not answer in time (`peer_timeout`), or sent bytes that break the
 * protocol (`peer_protocol`). `peer` is the endpoint as the
 * caller named it: a node id, a socket path or a URL.
 *
 * @example
 * ```ts
 * import { PeerError } from "./errors.ts";
 * const e = new PeerError("peer_timeout", "/run/eddy/n2.sock", "no answer within 200 ms");
 * console.log(e.code, e.message);
 * // peer_timeout peer /run/eddy/n2.sock timed out: no answer within 200 ms
 * ```
 */
export class PeerError extends EddyError {
  /** The endpoint that failed. */
  readonly peer: string;
  override readonly code: PeerErrorCode;

  constructor(
    code: PeerErrorCode,
    peer: string,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(
      code,
      `peer ${peer} ${PEER_PROBLEM[code]}: ${message}`,
      { peer, ...details },
    );
    this.code = code;
    this.peer = peer;
  }
}

/**
 * A payload larger than the transport accepts (`payload_too_large`).
 * Raised before anything is sent, so the peer never sees it.
 *
 * @example
 * ```ts
 * import { PayloadTooLargeError } from "./errors.ts";
 * const e = new PayloadTooLargeError(2 ** 31, 2 ** 30);
 * console.log(e.code); // payload_too_large
 * ```
 */
export class PayloadTooLargeError extends EddyError {
  constructor(bytes: number, maxBytes: number) {
    super(
      "payload_too_large",
      `payload of ${bytes} bytes exceeds the limit of ${maxBytes} bytes`,
      { bytes, maxBytes },
    );
  }
}
