/**
 * Peers' invocations over HTTP/2 (h2c prior knowledge on the API port).
 *
 * @module
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { http2Handler } from "../../comm/mod.ts";
import type { EddyNode } from "../../node/node.ts";
import { ANY_REQUEST, errorResponses } from "../openapi/errors.ts";
import { BinarySchema } from "../openapi/schemas.ts";

const comm = createRoute({
  method: "post",
  path: "/",
  summary: "A peer's invocation (eddy's comm protocol over HTTP/2)",
  description:
    "For nodes, not people: the cluster token travels inside the comm request and is checked by the node.",
  tags: ["peers"],
  request: {
    body: {
      description: "A comm request",
      content: { "application/octet-stream": { schema: BinarySchema } },
    },
  },
  responses: {
    200: {
      description: "The comm response",
      content: { "application/octet-stream": { schema: BinarySchema } },
    },
    ...errorResponses(ANY_REQUEST, { 400: ["bad_comm_request"] }),
  },
});

/**
 * `POST /comm`: a peer's invocation; the answer, errors included, travels
 * inside the comm response.
 *
 * @example
 * ```ts ignore
 * app.route("/comm", commRoutes(node));
 * ```
 */
export function commRoutes(node: EddyNode): OpenAPIHono {
  const handle = http2Handler(node.remote.handler);
  return new OpenAPIHono().openapi(comm, (c) => handle(c.req.raw));
}
