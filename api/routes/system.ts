/**
 * Health and metrics: served from the start, without the API's schemas
 * (their documentation is in `api/openapi/plain_routes.ts`), so that a
 * liveness probe or a Prometheus scrape never loads the management API.
 *
 * @module
 */
import { Hono } from "hono";
import type { EddyNode } from "../../node/node.ts";

/**
 * `GET /healthz` and `GET /metrics` (Prometheus text).
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
      }));
}
