/**
 * The one place error codes meet HTTP: the status the API (and a node's
 * comm replies, which the calling node's API passes on) answers each code
 * with. Errors below the API carry only their code and context.
 *
 * @module
 */
import { EddyError } from "../runtime/errors.ts";

/** Status per code; a code not listed is the node's fault (500). */
const STATUS: Record<string, number> = {
  // The request itself.
  usage: 400,
  invalid_url: 400,
  invalid_host: 400,
  bad_comm_request: 400,
  bad_call_chain: 400,
  invalid_peer: 400,
  invalid_digest: 400,
  invalid_module: 400,
  invalid_manifest: 400,
  invalid_deployment: 400,
  invalid_workflow: 400,
  invalid_delivery: 400,
  invalid_nats: 400,
  invalid_query: 400,
  invalid_bucket: 400,
  invalid_key: 400,
  invalid_revision: 400,
  incomplete_body: 400,
  unauthorized: 401,
  cross_origin: 403,
  console_loopback_only: 403,
  invalid_csrf_token: 403,
  host_not_allowed: 403,
  not_found: 404,
  no_route: 404,
  key_not_found: 404,
  module_in_use: 409,
  revision_mismatch: 412,
  workflow_elsewhere: 409,
  module_too_large: 413,
  manifest_too_large: 413,
  workflow_too_large: 413,
  payload_too_large: 413,
  value_too_large: 413,
  input_too_large: 413,
  output_too_large: 413,
  unsupported_media_type: 415,
  // nginx's "client closed request": whoever asked is gone.
  cancelled: 499,
  aborted: 499,
  // A guest's run.
  trap: 500,
  exit: 500,
  memory_limit: 500,
  overloaded: 503,
  node_unavailable: 503,
  state_unavailable: 503,
  memory_budget: 503,
  timeout: 504,
  // WebDAV's "loop detected": a guest call chain went too deep.
  call_depth_exceeded: 508,
  // Other nodes.
  peer_unreachable: 502,
  peer_protocol: 502,
  push_failed: 502,
  peer_timeout: 504,
};

/**
 * The HTTP status for `error`: by its code when it is an
 * {@linkcode EddyError}, else 500.
 *
 * @example
 * ```ts
 * import { statusOf } from "./status.ts";
 * import { NotFoundError } from "../runtime/errors.ts";
 * console.log(statusOf(new NotFoundError("function", "echo"))); // 404
 * console.log(statusOf(new Error("boom"))); // 500
 * ```
 */
export function statusOf(error: unknown): number {
  return error instanceof EddyError ? statusOfCode(error.code) : 500;
}

/**
 * The HTTP status the API answers an error of `code` with (500 for a code
 * not listed: the node's own failure). The OpenAPI document groups each
 * route's error codes by this, so the two cannot differ.
 *
 * @example
 * ```ts
 * import { statusOfCode } from "./status.ts";
 * console.log(statusOfCode("not_found")); // 404
 * console.log(statusOfCode("internal")); // 500
 * ```
 */
export function statusOfCode(code: string): number {
  return Object.hasOwn(STATUS, code) ? STATUS[code] : 500;
}
