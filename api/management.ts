/**
 * The part of a node's API built from zod schemas with
 * `@hono/zod-openapi`: management (`/v1/*`), workflow invocation and the
 * OpenAPI document (`/v1/openapi.json`, which also describes the routes
 * served without it). `createApp` loads this module when a request first
 * needs it, so that a node starts and invokes without loading zod and
 * the schemas.
 *
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { EddyNode } from "../node/node.ts";
import { failure, noRoute } from "./failure.ts";
import { describeOnly, serveOpenApi } from "./openapi/document.ts";
import { PLAIN_ROUTES } from "./openapi/plain_routes.ts";
import { functionRoutes } from "./routes/functions.ts";
import { kvRoutes } from "./routes/kv.ts";
import { moduleRoutes } from "./routes/modules.ts";
import { peerRoutes } from "./routes/peers.ts";
import { workflowInvokeRoutes, workflowRoutes } from "./routes/workflows.ts";

/**
 * Options of {@linkcode managementApp}.
 *
 * @example
 * ```ts
 * import type { ManagementOptions } from "./management.ts";
 * const options: ManagementOptions = { maxModuleBytes: 64 << 20 };
 * ```
 */
export interface ManagementOptions {
  /** The node's token, if it has one (documented as bearer auth on `/v1/*`). */
  token?: string;
  /** Largest module upload accepted, in bytes. */
  maxModuleBytes: number;
}

/**
 * The management API of a node and its OpenAPI document.
 *
 * @example
 * ```ts ignore
 * const { app, document } = managementApp(node, { maxModuleBytes: 64 << 20 });
 * console.log(Object.keys((document() as { paths: object }).paths).length);
 * ```
 */
export interface Management {
  /** Takes full paths; the guards (token, hosts, origins) run before it. */
  app: OpenAPIHono;
  /** The OpenAPI document of the whole API, built on first use. */
  document: () => unknown;
}

/**
 * The management API and the OpenAPI document of `node`.
 *
 * @example
 * ```ts ignore
 * const { app } = managementApp(node, { maxModuleBytes: 64 << 20 });
 * const res = await app.request("/v1/openapi.json");
 * ```
 */
export function managementApp(
  node: EddyNode,
  options: ManagementOptions,
): Management {
  const app = new OpenAPIHono();
  for (const route of PLAIN_ROUTES) describeOnly(app, route);
  app.route("/v1/modules", moduleRoutes(node, options.maxModuleBytes));
  app.route("/v1", functionRoutes(node, options.maxModuleBytes));
  app.route("/v1/peers", peerRoutes(node));
  app.route("/v1/workflows", workflowRoutes(node));
  app.route("/v1/kv", kvRoutes(node));
  app.route("/workflows", workflowInvokeRoutes(node));
  const document = serveOpenApi(app, options.token !== undefined);
  app.notFound(noRoute);
  app.onError(failure);
  return { app, document };
}
