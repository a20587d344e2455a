/**
 * Checks a request passes before any route sees it (well-formed URL, known
 * host, same-origin writes), written as plain functions so that the
 * router's middleware and the direct invocation path (`./direct_invoke.ts`)
 * refuse exactly the same requests.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { RequestError } from "../runtime/errors.ts";

/**
 * Why `request` is refused, or `undefined` when it passes.
 *
 * @example
 * ```ts
 * import type { RequestCheck } from "./request_check.ts";
 * const postOnly: RequestCheck = () => undefined;
 * ```
 */
export type RequestCheck = (request: Request) => RequestError | undefined;

/**
 * Middleware that throws what `check` refuses (the app's error handler
 * answers it) and passes the rest on.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { RequestError } from "../runtime/errors.ts";
 * import { refusing } from "./request_check.ts";
 * const app = new Hono().use("*", refusing(() => new RequestError("no", "never")));
 * ```
 */
export function refusing(check: RequestCheck): MiddlewareHandler {
  return async (c, next) => {
    const refusal = check(c.req.raw);
    if (refusal) throw refusal;
    await next();
  };
}
