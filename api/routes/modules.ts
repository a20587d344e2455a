/**
 * Module uploads: content-addressed wasm bytes that manifests refer to by
 * digest.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { EddyNode } from "../../node/node.ts";
import type { MiddlewareHandler } from "hono";
import { NotFoundError } from "../../runtime/errors.ts";
import { limitBody } from "../body.ts";
import { MODULE_TYPES, requireContentType } from "../content_type.ts";
import { requiredBody } from "../openapi/content.ts";
import {
  ANY_REQUEST,
  errorResponses,
  MANAGEMENT,
  TYPED_BODY,
  WRITE,
} from "../openapi/errors.ts";
import { BinarySchema, ModuleInfoSchema } from "../openapi/schemas.ts";

const digestParam = z.object({
  digest: z.string().openapi({ example: `sha256:${"0".repeat(64)}` }),
});

const upload = createRoute({
  method: "put",
  path: "/",
  summary: "Stores a module (wasm bytes) by its digest",
  tags: ["modules"],
  middleware: [requireContentType(MODULE_TYPES)],
  request: { body: requiredBody(MODULE_TYPES, BinarySchema, "The module") },
  responses: {
    201: {
      description: "Stored (or already stored): its digest, imports, exports",
      content: { "application/json": { schema: ModuleInfoSchema } },
    },
    ...errorResponses(ANY_REQUEST, MANAGEMENT, WRITE, TYPED_BODY, [
      "invalid_module",
      "module_too_large",
    ]),
  },
});

const list = createRoute({
  method: "get",
  path: "/",
  summary: "Stored modules",
  tags: ["modules"],
  responses: {
    200: {
      description: "Every stored module",
      content: {
        "application/json": {
          schema: z.object({ modules: z.array(ModuleInfoSchema) }),
        },
      },
    },
    ...errorResponses(ANY_REQUEST, MANAGEMENT),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/{digest}",
  summary: "Deletes a stored module no function uses",
  tags: ["modules"],
  request: { params: digestParam },
  responses: {
    200: {
      description: "Deleted",
      content: {
        "application/json": { schema: z.object({ removed: z.string() }) },
      },
    },
    ...errorResponses(ANY_REQUEST, MANAGEMENT, WRITE, [
      "invalid_digest",
      "not_found",
      "module_in_use",
    ]),
  },
});

const get = createRoute({
  method: "get",
  path: "/{digest}",
  summary: "A stored module",
  tags: ["modules"],
  request: { params: digestParam },
  responses: {
    200: {
      description: "The module",
      content: { "application/json": { schema: ModuleInfoSchema } },
    },
    ...errorResponses(ANY_REQUEST, MANAGEMENT, ["not_found"]),
  },
});

/**
 * `PUT /v1/modules` (body: the wasm bytes) → 201 with the module's digest and
 * imports/exports; `GET /v1/modules`; `GET /v1/modules/:digest`;
 * `DELETE /v1/modules/:digest` (409 while a function uses it).
 *
 * @example
 * ```ts ignore
 * app.route("/v1/modules", moduleRoutes(node, 64 << 20));
 * ```
 */
export function moduleRoutes(
  node: EddyNode,
  maxModuleBytes: number,
): OpenAPIHono {
  const app = new OpenAPIHono();
  app.on("PUT", "/", limitModule(maxModuleBytes));
  return app
    .openapi(upload, async (c) => {
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      const info = await node.registry.modules.put(bytes);
      return c.json(info, 201);
    })
    .openapi(
      list,
      async (c) => c.json({ modules: await node.registry.modules.list() }, 200),
    )
    .openapi(remove, async (c) => {
      await node.removeModule(c.req.valid("param").digest);
      return c.json({ removed: c.req.valid("param").digest }, 200);
    })
    .openapi(get, async (c) => {
      const info = await node.registry.modules.info(
        c.req.valid("param").digest,
      );
      if (!info) throw new NotFoundError("module", c.req.valid("param").digest);
      return c.json(info, 200);
    });
}

/**
 * The cap on a module upload: past the node's `limit`, 413
 * `module_too_large`.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { limitModule } from "./modules.ts";
 * import { failure } from "../failure.ts";
 * const app = new Hono()
 *   .put("/", limitModule(8), (c) => c.text("stored"))
 *   .onError(failure);
 * const res = await app.request("/", { method: "PUT", body: new Uint8Array(9) });
 * console.log(res.status); // 413
 * ```
 */
export function limitModule(limit: number): MiddlewareHandler {
  return limitBody(
    limit,
    "module_too_large",
    "module",
    " (this node's --max-module-size)",
  );
}
