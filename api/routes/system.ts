/**
 * Health, metrics and node information: served from the start, without
 * the API's schemas (their documentation is in
 * `api/openapi/plain_routes.ts`), so that a liveness probe, a Prometheus
 * scrape or a peer's poll never waits for the management API to load.
 *
 * @module
 */
import { Hono } from "hono";
import type { EddyNode } from "../../node/node.ts";

/**
 * `GET /healthz`, `GET /metrics` (Prometheus text) and `GET /v1/node` (id,
 * version, locality, labels, endpoints, function names, uptime).
 *
 * @example
 * ```ts ignore
 * app.route("/", systemRoutes(node));
 * ```
 */
export function systemRoutes(node: EddyNode): Hono {
  return new Hono()
    .get("/healthz", (c) => c.json({ status: "ok" as const, node: node.id }))
    .get("/metrics", (c) =>
      c.text(node.metrics.render(), 200, {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
      }))
    .get("/v1/node", (c) =>
      c.json({
        ...node.info(),
        startedAt: node.startedAt.toISOString(),
        uptimeSeconds: (Date.now() - node.startedAt.getTime()) / 1000,
      }));
}
