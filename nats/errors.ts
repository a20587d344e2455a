/**
 * Errors of the NATS cluster layer.
 *
 * @module
 */
import { EddyError } from "../runtime/errors.ts";

/**
 * A write to a bucket could not be made durable now (`state_unavailable`,
 * 503): NATS is unreachable, or the bucket's home site is cut off. Nothing
 * was written; retry once it is back. Reads keep working from the replica.
 *
 * @example
 * ```ts
 * import { StateUnavailableError } from "./errors.ts";
 * const e = new StateUnavailableError("readings", "put", "timeout");
 * console.log(e.code); // state_unavailable
 * ```
 */
export class StateUnavailableError extends EddyError {
  constructor(bucket: string, op: string, why: string) {
    super(
      "state_unavailable",
      `bucket '${bucket}': ${op} could not be made durable (${why}); nothing was written, retry when NATS is reachable`,
      { bucket },
    );
  }
}

/**
 * NATS settings that cannot work (`invalid_nats`, 400 at the API, exit 2
 * at the CLI), or a server that cannot be reached at start.
 *
 * @example
 * ```ts
 * import { NatsConfigError } from "./errors.ts";
 * console.log(new NatsConfigError("--nats-creds: cannot read x").code); // invalid_nats
 * ```
 */
export class NatsConfigError extends EddyError {
  constructor(message: string) {
    super("invalid_nats", message);
  }
}
