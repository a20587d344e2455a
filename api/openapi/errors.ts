/**
 * The error responses each route documents: the JSON envelope
 * `{error: {code, message, ...details}}` with, per status, the codes that
 * route can answer.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";

/**
 * Error codes by HTTP status.
 *
 * @example
 * ```ts
 * import type { ErrorCodes } from "./errors.ts";
 * const notFound: ErrorCodes = { 404: ["not_found"] };
 * ```
 */
export type ErrorCodes = Record<number, readonly string[]>;

/**
 * What any request can meet before its route runs: a Host that is no host
 * or a URL with a broken escape (400), a Host the node does not answer to
 * without a token (403), and the node's own failure (500).
 *
 * @example
 * ```ts
 * import { ANY_REQUEST } from "./errors.ts";
 * console.log(ANY_REQUEST[403]); // ["host_not_allowed"]
 * ```
 */
export const ANY_REQUEST: ErrorCodes = {
  400: ["invalid_host", "invalid_url"],
  403: ["host_not_allowed"],
  500: ["internal"],
};

/**
 * What a state-changing request can meet besides {@linkcode ANY_REQUEST}:
 * another origin without a token (403) and a body cut short (400).
 *
 * @example
 * ```ts
 * import { WRITE } from "./errors.ts";
 * console.log(WRITE[403]); // ["cross_origin"]
 * ```
 */
export const WRITE: ErrorCodes = {
  400: ["incomplete_body"],
  403: ["cross_origin"],
};

/**
 * What a `/v1/*` route answers without the node's bearer token.
 *
 * @example
 * ```ts
 * import { MANAGEMENT } from "./errors.ts";
 * console.log(MANAGEMENT[401]); // ["unauthorized"]
 * ```
 */
export const MANAGEMENT: ErrorCodes = { 401: ["unauthorized"] };

/**
 * What a route that requires a Content-Type answers to another one.
 *
 * @example
 * ```ts
 * import { TYPED_BODY } from "./errors.ts";
 * console.log(TYPED_BODY[415]); // ["unsupported_media_type"]
 * ```
 */
export const TYPED_BODY: ErrorCodes = { 415: ["unsupported_media_type"] };

/**
 * Every way an invocation can fail, by status.
 *
 * @example
 * ```ts
 * import { INVOCATION } from "./errors.ts";
 * console.log(INVOCATION[504]); // ["timeout"]
 * ```
 */
export const INVOCATION: ErrorCodes = {
  413: ["input_too_large", "output_too_large"],
  499: ["cancelled"],
  500: ["trap", "exit", "memory_limit"],
  503: ["overloaded"],
  504: ["timeout"],
  508: ["call_depth_exceeded"],
};

/**
 * Merges `groups` into the OpenAPI `responses` entries of a route's
 * errors: per status, a description listing its codes and the error
 * envelope with `code` limited to them.
 *
 * @example
 * ```ts
 * import { ANY_REQUEST, errorResponses } from "./errors.ts";
 * const responses = errorResponses(ANY_REQUEST, { 404: ["not_found"] });
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
  for (const group of groups) {
    for (const [status, codes] of Object.entries(group)) {
      const set = merged.get(Number(status)) ?? new Set();
      for (const code of codes) set.add(code);
      merged.set(Number(status), set);
    }
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
