/**
 * The OpenAPI 3.1 document of a node's API, generated from the routes'
 * own schemas.
 *
 * @module
 */
import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import { VERSION } from "../../version.ts";

/**
 * Where the node serves its OpenAPI document.
 *
 * @example
 * ```ts
 * import { OPENAPI_PATH } from "./document.ts";
 * console.log(OPENAPI_PATH); // "/v1/openapi.json"
 * ```
 */
export const OPENAPI_PATH = "/v1/openapi.json";

/** The document's fixed part: what the routes do not say themselves. */
const CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "eddy node API",
    version: VERSION,
    description:
      "Deploy WebAssembly (WASI) functions and workflows, invoke them, and manage a node's peers. Errors are JSON: `{error: {code, message, ...details}}`, with `code` one of those each response lists.",
  },
};

/**
 * The OpenAPI 3.1 document of `app`'s routes, `security` set when the node
 * has a token (then `/v1/*` takes `Authorization: Bearer`).
 *
 * @example
 * ```ts ignore
 * const document = openApiDocument(app, true);
 * console.log(Object.keys(document.paths));
 * ```
 */
export function openApiDocument(
  app: OpenAPIHono,
  tokenRequired: boolean,
): ReturnType<OpenAPIHono["getOpenAPI31Document"]> {
  const document = app.getOpenAPI31Document(CONFIG);
  if (!tokenRequired) return document;
  document.components = {
    ...document.components,
    securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
  };
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith("/v1/")) continue;
    for (const operation of Object.values(item)) {
      if (
        operation && typeof operation === "object" && "responses" in operation
      ) {
        operation.security = [{ bearer: [] }];
      }
    }
  }
  return document;
}

/**
 * Serves {@linkcode openApiDocument} at {@linkcode OPENAPI_PATH}, built once
 * on first use (routes are all added before the node serves), and returns
 * the function that gives it.
 *
 * @example
 * ```ts ignore
 * const document = serveOpenApi(app, options.token !== undefined);
 * ```
 */
export function serveOpenApi(
  app: OpenAPIHono,
  tokenRequired: boolean,
): () => unknown {
  let document: unknown;
  const get = () => document ??= openApiDocument(app, tokenRequired);
  app.get(OPENAPI_PATH, (c) => c.json(get()));
  return get;
}

/**
 * Puts `route` in `app`'s document without the per-request validators
 * `app.openapi()` would add: for the invocation routes, whose bodies are
 * opaque bytes and whose cost per request is the node's throughput. Their
 * handlers are added with the plain Hono methods.
 *
 * @example
 * ```ts ignore
 * const app = describeOnly(new OpenAPIHono(), invokeRoute);
 * app.post("/:name", handler);
 * ```
 */
export function describeOnly<T extends OpenAPIHono>(
  app: T,
  route: RouteConfig,
): T {
  app.openAPIRegistry.registerPath(route);
  return app;
}
