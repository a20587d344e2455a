/**
 * Health, metrics and node information.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { EddyNode } from "../../node/node.ts";
import { ANY_REQUEST, errorResponses, MANAGEMENT } from "../openapi/errors.ts";
import { NodeInfoSchema } from "../openapi/schemas.ts";

const health = createRoute({
  method: "get",
  path: "/healthz",
  summary: "Liveness",
  tags: ["system"],
  responses: {
    200: {
      description: "The node is up",
      content: {
        "application/json": {
          schema: z.object({ status: z.literal("ok"), node: z.string() }),
        },
      },
    },
    ...errorResponses(ANY_REQUEST),
  },
});

const metrics = createRoute({
  method: "get",
  path: "/metrics",
  summary: "Prometheus metrics",
  tags: ["system"],
  responses: {
    200: {
      description:
        "Invocations, errors and latency per function; executor gauges",
      content: { "text/plain": { schema: z.string() } },
    },
    ...errorResponses(ANY_REQUEST),
  },
});

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
 * `GET /healthz`, `GET /metrics` (Prometheus text) and `GET /v1/node` (id,
 * version, locality, labels, endpoints, function names, uptime).
 *
 * @example
 * ```ts ignore
 * app.route("/", systemRoutes(node));
 * ```
 */
export function systemRoutes(node: EddyNode): OpenAPIHono {
  return new OpenAPIHono()
    .openapi(
      health,
      (c) => c.json({ status: "ok" as const, node: node.id }, 200),
    )
    .openapi(metrics, (c) =>
      c.text(node.metrics.render(), 200, {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
      }))
    .openapi(nodeInfo, (c) =>
      c.json({
        ...node.info(),
        startedAt: node.startedAt.toISOString(),
        uptimeSeconds: (Date.now() - node.startedAt.getTime()) / 1000,
      }, 200));
}
