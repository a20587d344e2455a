/**
 * How the API answers what went wrong: an {@linkcode EddyError} with the
 * status of its code, a body cut short by its client, a route that does
 * not exist, or the node's own failure, always as the JSON envelope
 * `{error: {code, message, ...}}`. Shared by the app served from the start
 * and the management API loaded on first use.
 *
 * @module
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { EddyError } from "../runtime/errors.ts";
import { statusOf } from "./status.ts";

/**
 * The response to `error`, thrown while answering `c`.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { failure } from "./failure.ts";
 * import { NotFoundError } from "../runtime/errors.ts";
 * const app = new Hono().get("/", () => {
 *   throw new NotFoundError("function", "echo");
 * }).onError(failure);
 * console.log((await app.request("/")).status); // 404
 * ```
 */
export function failure(error: unknown, c: Context): Response {
  return failureResponse(error, c.req.raw);
}

/**
 * The response to `error`, thrown while answering `request`, for code
 * that answers without Hono's context (the direct invocation path).
 *
 * @example
 * ```ts
 * import { failureResponse } from "./failure.ts";
 * import { NotFoundError } from "../runtime/errors.ts";
 * const res = failureResponse(new NotFoundError("function", "echo"), new Request("http://x/"));
 * console.log(res.status, (await res.json()).error.code); // 404 not_found
 * ```
 */
export function failureResponse(error: unknown, request: Request): Response {
  if (error instanceof EddyError) {
    const status = statusOf(error);
    return Response.json(error.toJSON(), {
      status,
      // Overload and budget refusals pass: tell clients when to come back
      // (a pair, not a record: cheaper for Deno, and floods make many).
      headers: status === 503 ? [["retry-after", "1"]] : undefined,
    });
  }
  if (error instanceof HTTPException) return error.getResponse();
  if (bodyCutShort(error, request)) {
    return Response.json({
      error: {
        code: "incomplete_body",
        message:
          "the request body ended before it was complete (the client closed the connection)",
      },
    }, { status: 400 });
  }
  console.error(error);
  return Response.json({
    error: { code: "internal", message: String(error) },
  }, { status: 500 });
}

/**
 * The answer to a request no route takes: 404 `no_route`.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { noRoute } from "./failure.ts";
 * const app = new Hono().notFound(noRoute);
 * console.log((await app.request("/nope")).status); // 404
 * ```
 */
export function noRoute(c: Context): Response {
  return c.json({
    error: {
      code: "no_route",
      message: `no route ${c.req.method} ${c.req.path}`,
    },
  }, 404);
}

/**
 * Whether `error` is the connection going away while `request`'s body was
 * being read: a client's doing, not the node's.
 */
function bodyCutShort(error: unknown, request: Request): boolean {
  return request.bodyUsed &&
    (error instanceof Deno.errors.BadResource ||
      error instanceof Deno.errors.Http ||
      error instanceof Deno.errors.ConnectionReset);
}
