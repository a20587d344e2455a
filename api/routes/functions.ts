/**
 * Function deployments: list, get, deploy (module bytes or a manifest),
 * delete.
 *
 * @module
 */
import { Hono } from "hono";
import type { EddyNode } from "../../node/node.ts";
import { NotFoundError, RequestError } from "../../runtime/errors.ts";
import { parseManifest } from "../../runtime/manifest/mod.ts";
import { readBody } from "../body.ts";
import {
  DOCUMENT_TYPES,
  MODULE_TYPES,
  requireContentType,
} from "../content_type.ts";
import { moduleTooLarge } from "./modules.ts";

/** Manifests are text; anything bigger than this is not one. */
const MAX_MANIFEST_BYTES = 1 << 20;

/**
 * `GET /v1/functions`, `GET|PUT|DELETE /v1/functions/:name` (PUT body: wasm
 * bytes, deployed with default settings) and `POST /v1/manifests` (body: a
 * YAML or JSON manifest whose modules are digests of uploaded modules).
 *
 * @example
 * ```ts ignore
 * app.route("/v1", functionRoutes(node, 64 << 20));
 * ```
 */
export function functionRoutes(node: EddyNode, maxModuleBytes: number): Hono {
  return new Hono()
    .get("/functions", (c) => c.json({ functions: node.registry.list() }))
    .get("/functions/:name", (c) => {
      const fn = node.registry.get(c.req.param("name"));
      if (!fn) throw new NotFoundError("function", c.req.param("name"));
      return c.json(fn);
    })
    .put("/functions/:name", requireContentType(MODULE_TYPES), async (c) => {
      const bytes = await readBody(
        c.req.raw,
        maxModuleBytes,
        moduleTooLarge(maxModuleBytes),
      );
      const existed = node.registry.get(c.req.param("name")) !== undefined;
      const deployment = await node.deployModule(c.req.param("name"), bytes);
      return c.json(deployment, existed ? 200 : 201);
    })
    .delete("/functions/:name", async (c) => {
      return c.json(await node.remove(c.req.param("name")));
    })
    .post("/manifests", requireContentType(DOCUMENT_TYPES), async (c) => {
      const bytes = await readBody(
        c.req.raw,
        MAX_MANIFEST_BYTES,
        (size) =>
          new RequestError(
            "manifest_too_large",
            `manifest of ${size} bytes exceeds ${MAX_MANIFEST_BYTES} bytes`,
          ),
      );
      const manifest = parseManifest(new TextDecoder().decode(bytes));
      const functions = await node.apply(manifest.functions);
      return c.json({ functions });
    });
}
