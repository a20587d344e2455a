/**
 * Peers' invocations over HTTP/2 (h2c prior knowledge on the API port).
 * Plain Hono, documented in `api/openapi/plain_routes.ts`.
 *
 * @module
 */
import { Hono } from "hono";
import { http2Handler } from "../../comm/mod.ts";
import type { EddyNode } from "../../node/node.ts";

/**
 * `POST /comm`: a peer's invocation; the answer, errors included, travels
 * inside the comm response.
 *
 * @example
 * ```ts ignore
 * app.route("/comm", commRoutes(node));
 * ```
 */
export function commRoutes(node: EddyNode): Hono {
  const handle = http2Handler(node.remote.handler);
  return new Hono().post("/", (c) => handle(c.req.raw));
}
