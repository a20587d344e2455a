/**
 * The error responses each route documents: the JSON envelope
 * `{error: {code, message, ...details}}` with, per status, the codes that
 * route can answer. A route lists codes only; their statuses are those
 * `api/status.ts` answers them with.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";
import { statusOfCode } from "../status.ts";

/**
 * Error codes a route can answer; their statuses come from
 * `api/status.ts`, the one place codes meet HTTP.
 *
 * @example
 * ```ts
 * import type { ErrorCodes } from "./errors.ts";
 * const notFound: ErrorCodes = ["not_found"];
 * ```
 */
export type ErrorCodes = readonly string[];

/**
 * What any request can meet before its route runs: a Host that is no host
 * or a URL with a broken escape, a Host the node does not answer to
 * without a token, and the node's own failure.
 *
 * @example
 * ```ts
 * import { ANY_REQUEST } from "./errors.ts";
 * console.log(ANY_REQUEST.includes("host_not_allowed")); // true
 * ```
 */
export const ANY_REQUEST: ErrorCodes = [
  "invalid_host",
  "invalid_url",
  "host_not_allowed",
  "internal",
];

/**
 * What a state-changing request can meet besides {@linkcode ANY_REQUEST}:
 * another origin without a token and a body cut short.
 *
 * @example
 * ```ts
 * import { WRITE } from "./errors.ts";
 * console.log(WRITE); // ["incomplete_body", "cross_origin"]
 * ```
 */
export const WRITE: ErrorCodes = ["incomplete_body", "cross_origin"];

/**
 * What a `/v1/*` route answers without the node's bearer token.
 *
 * @example
 * ```ts
 * import { MANAGEMENT } from "./errors.ts";
 * console.log(MANAGEMENT); // ["unauthorized"]
 * ```
 */
export const MANAGEMENT: ErrorCodes = ["unauthorized"];

/**
 * What a route that requires a Content-Type answers to another one.
 *
 * @example
 * ```ts
 * import { TYPED_BODY } from "./errors.ts";
 * console.log(TYPED_BODY); // ["unsupported_media_type"]
 * ```
 */
export const TYPED_BODY: ErrorCodes = ["unsupported_media_type"];

/**
 * Every way an invocation can fail.
 *
 * @example
 * ```ts
 * import { INVOCATION } from "./errors.ts";
 * console.log(INVOCATION.includes("timeout")); // true
 * ```
 */
export const INVOCATION: ErrorCodes = [
  "input_too_large",
  "output_too_large",
  "cancelled",
  "trap",
  "exit",
  "memory_limit",
  "overloaded",
  "timeout",
  "call_depth_exceeded",
];

/**
 * The OpenAPI `responses` entries of a route's errors, `groups` merged:
 * per status (from `api/status.ts`), a description listing its codes and
 * the error envelope with `code` limited to them.
 *
 * @example
 * ```ts
 * import { ANY_REQUEST, errorResponses } from "./errors.ts";
 * const responses = errorResponses(ANY_REQUEST, ["not_found"]);
 * console.log(Object.keys(responses)); // ["400", "403", "404", "500"]
 * ```
 */
export function errorResponses(
  ...groups: ErrorCodes[]
): Record<string, {
  description: string;
  content: { "application/json": { schema: z.ZodType } };
}> {
  const merged = new Map<number, Set<string>>();
  for (const code of groups.flat()) {
    const status = statusOfCode(code);
    const set = merged.get(status) ?? new Set();
    set.add(code);
    merged.set(status, set);
  }
  return Object.fromEntries(
    [...merged].sort(([a], [b]) => a - b).map(([status, codes]) => {
      const list = [...codes] as [string, ...string[]];
      return [String(status), {
        description: `Error: ${list.join(", ")}`,
        content: {
          "application/json": {
            schema: z.object({
              error: z.looseObject({
                code: z.enum(list),
                message: z.string(),
              }),
            }),
          },
        },
      }];
    }),
  );
}
