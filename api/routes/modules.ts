/**
 * Module uploads: content-addressed wasm bytes that manifests refer to by
 * digest.
 *
 * @module
 */
import { Hono } from "hono";
import type { EddyNode } from "../../node/node.ts";
import { NotFoundError, RequestError } from "../../runtime/errors.ts";
import { readBody } from "../body.ts";
import { MODULE_TYPES, requireContentType } from "../content_type.ts";

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
export function moduleRoutes(node: EddyNode, maxModuleBytes: number): Hono {
  return new Hono()
    .put("/", requireContentType(MODULE_TYPES), async (c) => {
      const bytes = await readBody(
        c.req.raw,
        maxModuleBytes,
        moduleTooLarge(maxModuleBytes),
      );
      const info = await node.registry.modules.put(bytes);
      return c.json(info, 201);
    })
    .get("/", (c) => c.json({ modules: node.registry.modules.list() }))
    .delete("/:digest", async (c) => {
      await node.removeModule(c.req.param("digest"));
      return c.json({ removed: c.req.param("digest") });
    })
    .get("/:digest", (c) => {
      const info = node.registry.modules.info(c.req.param("digest"));
      if (!info) throw new NotFoundError("module", c.req.param("digest"));
      return c.json(info);
    });
}

/**
 * The error for a module upload over the node's size cap.
 *
 * @example
 * ```ts ignore
 * await readBody(req, limit, moduleTooLarge(limit));
 * ```
 */
export function moduleTooLarge(limit: number): (size: number) => Error {
  return (size) =>
    new RequestError(
      "module_too_large",
      `module of ${size} bytes exceeds this node's limit of ${limit} bytes (--max-module-size)`,
      { limit },
    );
}
