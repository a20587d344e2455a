/**
 * How a request that fails its route's schema is refused: a typed 400
 * error (the API's JSON envelope) that names each problem, not zod's raw
 * result.
 *
 * @module
 */
import type { Hook } from "@hono/zod-openapi";
import type { Env, MiddlewareHandler } from "hono";
import { RequestError } from "../../runtime/errors.ts";

/** What the request's parts are called in messages. */
const PARTS: Record<string, string> = {
  json: "body",
  form: "form",
  query: "query",
  param: "path",
  header: "headers",
};

/**
 * A validation hook that throws `RequestError(code)` (400) listing the
 * schema's complaints, each with the field it is about.
 *
 * @example
 * ```ts ignore
 * app.openapi(route, handler, refuseInvalid("invalid_peer"));
 * ```
 */
export function refuseInvalid(
  code: string,
  // deno-lint-ignore no-explicit-any
): Hook<any, Env, any, any> {
  return (result) => {
    if (result.success) return;
    const problems = result.error.issues.map((issue) =>
      issue.path.length > 0
        ? `${issue.path.join(".")}: ${issue.message}`
        : issue.message
    );
    const part = PARTS[result.target] ?? result.target;
    throw new RequestError(
      code,
      `the request's ${part} is not valid: ${problems.join("; ")}`,
      { problems },
    );
  };
}

/**
 * Middleware that parses a JSON body before the route's validator does
 * (Hono keeps the parsed body for it), so that malformed JSON is refused
 * with `code` and `hint` like any other invalid body.
 *
 * @example
 * ```ts ignore
 * createRoute({ method: "post", path: "/", middleware: [parsedJson("invalid_peer", '{"url": "..."}')], ... });
 * ```
 */
export function parsedJson(code: string, hint: string): MiddlewareHandler {
  return async (c, next) => {
    try {
      await c.req.json();
    } catch {
      throw new RequestError(code, `the body must be JSON: ${hint}`);
    }
    await next();
  };
}
