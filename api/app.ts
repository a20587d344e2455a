/**
 * The node's HTTP surface: management (`/v1/*`, token-guarded), invocation
 * (`/invoke/:name`), peers' invocations (`/comm`), health and metrics.
 *
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { EddyNode } from "../node/node.ts";
import { EddyError } from "../runtime/errors.ts";
import { requireToken } from "./auth.ts";
import { statusOf } from "./status.ts";
import { knownHostsOnly, sameOriginWrites } from "./browser.ts";
import { mountConsole } from "./console/mod.ts";
import { serveOpenApi } from "./openapi/mod.ts";
import { commRoutes } from "./routes/comm.ts";
import { functionRoutes } from "./routes/functions.ts";
import { invokeRoutes } from "./routes/invoke.ts";
import { moduleRoutes } from "./routes/modules.ts";
import { peerRoutes } from "./routes/peers.ts";
import { workflowInvokeRoutes, workflowRoutes } from "./routes/workflows.ts";
import { systemRoutes } from "./routes/system.ts";
import { kvRoutes } from "./routes/kv.ts";
import { wellFormedUrl } from "./url.ts";

/** Options of {@linkcode createApp}. */
export interface AppOptions {
  /**
   * When set, `/v1/*` requires `Authorization: Bearer <token>`. When not,
   * the node refuses what a web page could send through a browser: unknown
   * `Host` names and state changes from other origins.
   */
  token?: string;
  /** Host names answered without a token, besides loopback and IP addresses. */
  allowedHosts?: string[];
  /** Largest module upload accepted, in bytes (default 64 MiB). */
  maxModuleBytes?: number;
}

/**
 * Builds the Hono app serving `node`.
 *
 * @example
 * ```ts
 * import { createApp } from "./app.ts";
 * import { EddyNode } from "../node/node.ts";
 * const tmp = await Deno.makeTempDir();
 * const node = await EddyNode.start({ dataDir: tmp });
 * const app = createApp(node, { token: "s3cret" });
 * const res = await app.request("/healthz");
 * console.log(res.status); // 200
 * await node.close();
 * await Deno.remove(tmp, { recursive: true });
 * ```
 */
export function createApp(
  node: EddyNode,
  options: AppOptions = {},
): OpenAPIHono {
  const maxModuleBytes = options.maxModuleBytes ?? 64 << 20;
  const app = new OpenAPIHono();
  app.use("*", wellFormedUrl());
  if (options.token === undefined) {
    app.use("*", knownHostsOnly(options.allowedHosts ?? []));
    app.use("*", sameOriginWrites());
  } else {
    app.use("/v1/*", requireToken(options.token));
  }
  app.route("/", systemRoutes(node));
  app.route("/v1/modules", moduleRoutes(node, maxModuleBytes));
  app.route("/v1", functionRoutes(node, maxModuleBytes));
  app.route("/v1/peers", peerRoutes(node));
  app.route("/v1/workflows", workflowRoutes(node));
  app.route("/v1/kv", kvRoutes(node));
  app.route("/workflows", workflowInvokeRoutes(node));
  app.route("/invoke", invokeRoutes(node));
  app.route("/comm", commRoutes(node));
  const document = serveOpenApi(app, options.token !== undefined);
  mountConsole(app, node, { token: options.token, document });
  app.notFound((c) =>
    c.json({
      error: {
        code: "no_route",
        message: `no route ${c.req.method} ${c.req.path}`,
      },
    }, 404)
  );
  app.onError((error, c) => {
    if (error instanceof EddyError) {
      const status = statusOf(error);
      // Overload and budget refusals pass: tell clients when to come back.
      if (status === 503) c.header("Retry-After", "1");
      // deno-lint-ignore no-explicit-any
      return c.json(error.toJSON(), status as any);
    }
    if (error instanceof HTTPException) return error.getResponse();
    if (bodyCutShort(error, c.req.raw)) {
      return c.json({
        error: {
          code: "incomplete_body",
          message:
            "the request body ended before it was complete (the client closed the connection)",
        },
      }, 400);
    }
    console.error(error);
    return c.json({
      error: { code: "internal", message: String(error) },
    }, 500);
  });
  return app;
}

/**
 * Whether `error` is the connection going away while `request`'s body was
 * being read: a client's doing, not the node's.
 */
function bodyCutShort(error: unknown, request: Request): boolean {
  return request.bodyUsed &&
    (error instanceof Deno.errors.BadResource ||
      error instanceof Deno.errors.Http ||
      error instanceof Deno.errors.ConnectionReset);
}
