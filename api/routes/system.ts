/**
 * Health, metrics and node information.
 *
 * @module
 */
import { Hono } from "hono";
import type { EddyNode } from "../../node/node.ts";
import { VERSION } from "../../version.ts";

/**
 * `GET /healthz`, `GET /metrics` (Prometheus text) and `GET /v1/node`.
 *
 * @example
 * ```ts ignore
 * app.route("/", systemRoutes(node));
 * ```
 */
export function systemRoutes(node: EddyNode): Hono {
  return new Hono()
    .get("/healthz", (c) => c.json({ status: "ok", node: node.id }))
    .get("/metrics", (c) =>
      c.text(node.metrics.render(), 200, {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
      }))
    .get("/v1/node", (c) =>
      c.json({
        id: node.id,
        version: VERSION,
        startedAt: node.startedAt.toISOString(),
        uptimeSeconds: (Date.now() - node.startedAt.getTime()) / 1000,
        functions: node.registry.list().length,
      }));
}
