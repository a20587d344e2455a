/**
 * This node's own description.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { EddyNode } from "../../node/node.ts";
import { ANY_REQUEST, errorResponses, MANAGEMENT } from "../openapi/errors.ts";
import { NodeInfoSchema } from "../openapi/schemas.ts";

const nodeInfo = createRoute({
  method: "get",
  path: "/v1/node",
  summary: "This node: id, version, locality, labels, endpoints, uptime",
  tags: ["system"],
  responses: {
    200: {
      description: "The node",
      content: {
        "application/json": {
          schema: NodeInfoSchema.extend({
            startedAt: z.string(),
            uptimeSeconds: z.number(),
          }),
        },
      },
    },
    ...errorResponses(ANY_REQUEST, MANAGEMENT),
  },
});

/**
 * `GET /v1/node`: id, version, locality, labels, endpoints, function
 * names, uptime.
 *
 * @example
 * ```ts ignore
 * app.route("/", nodeRoutes(node));
 * ```
 */
export function nodeRoutes(node: EddyNode): OpenAPIHono {
  return new OpenAPIHono().openapi(nodeInfo, (c) =>
    c.json({
      ...node.info(),
      startedAt: node.startedAt.toISOString(),
      uptimeSeconds: (Date.now() - node.startedAt.getTime()) / 1000,
    }, 200));
}
