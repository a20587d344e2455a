/**
 * Refusing URLs whose percent-encoding is broken before any route decodes
 * them (routes get their parameters decoded once, by Hono).
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { RequestError } from "../runtime/errors.ts";

/**
 * Middleware that answers 400 `invalid_url` when the path or query holds a
 * malformed percent-escape (`%ff`, `%zz`, a lone `%`).
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { wellFormedUrl } from "./url.ts";
 * const app = new Hono().use("*", wellFormedUrl());
 * ```
 */
export function wellFormedUrl(): MiddlewareHandler {
  return async (c, next) => {
    const { pathname, search } = new URL(c.req.url);
    for (const [part, text] of [["path", pathname], ["query", search]]) {
      try {
        decodeURIComponent(text);
      } catch {
        throw new RequestError(
          "invalid_url",
          `the request ${part} '${text}' has a malformed percent-escape (write '%' as %25)`,
          400,
          { [part]: text },
        );
      }
    }
    await next();
  };
}
