/**
 * Refusing URLs that cannot be read before anything reads them: a `Host`
 * that is no host (`a b`, `[::1`, port 99999), and percent-encoding that is
 * broken (routes get their parameters decoded once, by Hono).
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { RequestError } from "../runtime/errors.ts";

/**
 * Middleware that answers 400 `invalid_host` when the request's host is not
 * one, and 400 `invalid_url` when the path or query holds a malformed
 * percent-escape (`%ff`, `%zz`, a lone `%`).
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { wellFormedUrl } from "./url.ts";
 * const app = new Hono().use("*", wellFormedUrl());
 * ```
 */
export function wellFormedUrl(): MiddlewareHandler {
  // Host headers seen to be well formed: a request under one whose URL has
  // no percent-escape needs no parsing (a path never fails to parse).
  const passed = new Set<string>();
  return async (c, next) => {
    const header = c.req.header("host");
    if (
      header !== undefined && passed.has(header) && !c.req.url.includes("%")
    ) {
      return await next();
    }
    let url: URL;
    try {
      url = new URL(c.req.url);
    } catch {
      const host = c.req.header("host") ?? null;
      throw new RequestError(
        "invalid_host",
        `the request's host ${
          JSON.stringify(host)
        } is not a host name, address or port`,
        { host },
      );
    }
    const { pathname, search } = url;
    for (const [part, text] of [["path", pathname], ["query", search]]) {
      try {
        decodeURIComponent(text);
      } catch {
        throw new RequestError(
          "invalid_url",
          `the request ${part} '${text}' has a malformed percent-escape (write '%' as %25)`,
          { [part]: text },
        );
      }
    }
    if (header !== undefined && passed.size < 64) passed.add(header);
    await next();
  };
}
