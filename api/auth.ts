/**
 * Bearer-token guard for management routes.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";

/** What a bearer token may hold (RFC 6750 `b64token`). */
const TOKEN_PATTERN = /^[A-Za-z0-9._~+/-]+=*$/;

/**
 * Why `token` cannot be a node's token, or `undefined` when it can: an
 * empty token would silently turn authentication off, and one with other
 * characters than a bearer token may carry could never be sent.
 *
 * @example
 * ```ts
 * import { tokenProblem } from "./auth.ts";
 * console.log(tokenProblem("")); // "the token is empty; ..."
 * console.log(tokenProblem("s3cret")); // undefined
 * ```
 */
export function tokenProblem(token: string): string | undefined {
  if (token === "") {
    return "the token is empty; give a real one (e.g. `openssl rand -hex 32`) or none at all";
  }
  if (!TOKEN_PATTERN.test(token)) {
    return "a token may hold only letters, digits and . _ ~ + / - (then = padding)";
  }
  return undefined;
}

/**
 * Middleware that requires `Authorization: Bearer <token>` (Hono's
 * `bearerAuth`, compared in constant time) and answers 401 `unauthorized`
 * as JSON otherwise. Throws a `TypeError` for a token
 * {@linkcode tokenProblem} refuses.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { requireToken } from "./auth.ts";
 * const app = new Hono().use("/v1/*", requireToken("s3cret"));
 * ```
 */
export function requireToken(token: string): MiddlewareHandler {
  const problem = tokenProblem(token);
  if (problem) throw new TypeError(problem);
  const refuse = (message: string) => (c: Context) =>
    c.json({ error: { code: "unauthorized", message } }, 401);
  return bearerAuth({
    token,
    noAuthenticationHeader: {
      message: refuse(
        "this node requires 'Authorization: Bearer <token>' for management routes",
      ),
    },
    invalidAuthenticationHeader: {
      message: refuse(
        "the Authorization header must be 'Bearer <token>'",
      ),
    },
    invalidToken: { message: refuse("the bearer token is not valid") },
  });
}
