/**
 * Invocation: the request body is the function's stdin, its stdout is the
 * response body.
 *
 * @module
 */
import { Hono } from "hono";
import { type EddyNode, inputTooLarge } from "../../node/node.ts";
import { NotFoundError } from "../../runtime/errors.ts";
import { readBody } from "../body.ts";

/**
 * `POST /invoke/:name[?arg=A&arg=B]`: `arg` query parameters are appended to
 * the function's argv after its deployed args. The exit code, duration (ms) and node id come back in
 * `x-eddy-exit-code`, `x-eddy-duration-ms` and `x-eddy-node`; a failed run
 * answers a JSON error (500 trap or exit, 504 timeout, 413 input or output
 * too large, 503 overloaded) with the function's stderr tail.
 *
 * @example
 * ```ts ignore
 * app.route("/invoke", invokeRoutes(node));
 * // curl --data-binary @in.txt http://127.0.0.1:8080/invoke/echo
 * ```
 */
export function invokeRoutes(node: EddyNode): Hono {
  return new Hono().post("/:name", async (c) => {
    const name = c.req.param("name");
    const fn = node.registry.get(name);
    if (!fn) throw new NotFoundError("function", name);
    const input = await readBody(
      c.req.raw,
      fn.limits.maxInputBytes,
      (size) => inputTooLarge(fn, size),
    );
    const result = await node.invoke(name, input, {
      args: c.req.queries("arg"),
    });
    return c.body(result.stdout, 200, {
      "content-type": "application/octet-stream",
      "x-eddy-exit-code": String(result.exitCode),
      "x-eddy-duration-ms": result.durationMs.toFixed(3),
      "x-eddy-node": node.id,
    });
  });
}
