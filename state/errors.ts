/**
 * State errors: one class, a stable `code` per failure, and the HTTP status
 * the API answers with.
 *
 * | code                | status | when                                             |
 * | ------------------- | ------ | ------------------------------------------------ |
 * | `invalid_bucket`    | 400    | a bucket name that is not like a function name   |
 * | `invalid_key`       | 400    | a key that is not a plain file name (see keys.ts) |
 * | `invalid_revision`  | 400    | an `If-Match` that is not a revision             |
 * | `key_not_found`     | 404    | reading a key that does not exist                |
 * | `revision_mismatch` | 412    | a compare-and-swap whose revision did not match  |
 * | `state_unavailable` | 503    | a write that cannot be made durable now          |
 *
 * @module
 */
import { EddyError, type ErrorDetails } from "../runtime/errors.ts";

/** Stable codes of {@linkcode StateError}. */
export type StateErrorCode =
  | "invalid_bucket"
  | "invalid_key"
  | "invalid_revision"
  | "key_not_found"
  | "revision_mismatch"
  | "state_unavailable";

const STATUS: Record<StateErrorCode, number> = {
  invalid_bucket: 400,
  invalid_key: 400,
  invalid_revision: 400,
  key_not_found: 404,
  revision_mismatch: 412,
  state_unavailable: 503,
};

/**
 * A state operation that was refused or could not be done.
 *
 * @example
 * ```ts
 * import { StateError } from "./errors.ts";
 * const e = new StateError("key_not_found", "no key 'alice' in bucket 'carts'", {
 *   bucket: "carts", key: "alice",
 * });
 * console.log(e.code, e.status); // key_not_found 404
 * ```
 */
export class StateError extends EddyError {
  declare readonly code: StateErrorCode;
  constructor(
    code: StateErrorCode,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(code, message, STATUS[code], details);
  }
}
