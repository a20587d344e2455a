/**
 * Bearer-token guard for management routes.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { RequestError } from "../runtime/errors.ts";

/**
 * Middleware that requires `Authorization: Bearer <token>` when `token` is
 * set, and lets everything through when it is not.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { requireToken } from "./auth.ts";
 * const app = new Hono().use("/v1/*", requireToken("s3cret"));
 * ```
 */
export function requireToken(token: string | undefined): MiddlewareHandler {
  const expected = token ? new TextEncoder().encode(token) : undefined;
  return async (c, next) => {
    if (!expected) return await next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match) {
      throw new RequestError(
        "unauthorized",
        "this node requires 'Authorization: Bearer <token>' for management routes",
        401,
      );
    }
    const given = new TextEncoder().encode(match[1].trim());
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new RequestError(
        "unauthorized",
        "the bearer token is not valid",
        401,
      );
    }
    await next();
  };
}
