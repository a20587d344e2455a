/**
 * Function deployments: list, get, deploy (module bytes or a manifest),
 * delete.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { EddyNode } from "../../node/node.ts";
import { NotFoundError } from "../../runtime/errors.ts";
import { parseManifest } from "../../runtime/manifest/mod.ts";
import { limitBody } from "../body.ts";
import {
  DOCUMENT_TYPES,
  MODULE_TYPES,
  requireContentType,
} from "../content_type.ts";
import { type PlainSchema, requiredBody } from "../openapi/content.ts";
import {
  ANY_REQUEST,
  errorResponses,
  MANAGEMENT,
  TYPED_BODY,
  WRITE,
} from "../openapi/errors.ts";
import { BinarySchema, DeploymentSchema } from "../openapi/schemas.ts";
import { limitModule } from "./modules.ts";

/** Manifests are text; anything bigger than this is not one. */
const MAX_MANIFEST_BYTES = 1 << 20;

const MANIFEST_TEXT: PlainSchema = {
  type: "string",
  description:
    "YAML or JSON text; checked by eddy's manifest parser, whose errors name the field, line and column",
};

const nameParam = z.object({ name: z.string() });
const deployment = {
  content: { "application/json": { schema: DeploymentSchema } },
};

const list = createRoute({
  method: "get",
  path: "/functions",
  summary: "Deployed functions",
  tags: ["functions"],
  responses: {
    200: {
      description: "Every deployment",
      content: {
        "application/json": {
          schema: z.object({ functions: z.array(DeploymentSchema) }),
        },
      },
    },
    ...errorResponses(ANY_REQUEST, MANAGEMENT),
  },
});

const get = createRoute({
  method: "get",
  path: "/functions/{name}",
  summary: "A deployed function",
  tags: ["functions"],
  request: { params: nameParam },
  responses: {
    200: { description: "The deployment", ...deployment },
    ...errorResponses(ANY_REQUEST, MANAGEMENT, ["not_found"]),
  },
});

const put = createRoute({
  method: "put",
  path: "/functions/{name}",
  summary: "Deploys a module (wasm bytes) as a function with default settings",
  tags: ["functions"],
  middleware: [requireContentType(MODULE_TYPES)],
  request: {
    params: nameParam,
    body: requiredBody(MODULE_TYPES, BinarySchema, "The module"),
  },
  responses: {
    200: { description: "Redeployed (the name existed)", ...deployment },
    201: { description: "Deployed", ...deployment },
    ...errorResponses(ANY_REQUEST, MANAGEMENT, WRITE, TYPED_BODY, [
      "invalid_module",
      "invalid_manifest",
      "invalid_deployment",
      "module_too_large",
    ]),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/functions/{name}",
  summary: "Removes a function (and its module when nothing else uses it)",
  tags: ["functions"],
  request: { params: nameParam },
  responses: {
    200: { description: "The removed deployment", ...deployment },
    ...errorResponses(ANY_REQUEST, MANAGEMENT, WRITE, ["not_found"]),
  },
});

const manifest = createRoute({
  method: "post",
  path: "/manifests",
  summary: "Applies a manifest (YAML or JSON): all its functions, or none",
  tags: ["functions"],
  middleware: [
    requireContentType(DOCUMENT_TYPES),
    limitBody(MAX_MANIFEST_BYTES, "manifest_too_large", "manifest"),
  ],
  request: {
    body: requiredBody(
      DOCUMENT_TYPES,
      MANIFEST_TEXT,
      "A manifest whose modules are digests of uploaded modules",
    ),
  },
  responses: {
    200: {
      description: "The deployments",
      content: {
        "application/json": {
          schema: z.object({ functions: z.array(DeploymentSchema) }),
        },
      },
    },
    ...errorResponses(ANY_REQUEST, MANAGEMENT, WRITE, TYPED_BODY, [
      "invalid_manifest",
      "invalid_deployment",
      "manifest_too_large",
    ]),
  },
});

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
export function functionRoutes(
  node: EddyNode,
  maxModuleBytes: number,
): OpenAPIHono {
  const app = new OpenAPIHono();
  app.on("PUT", "/functions/:name", limitModule(maxModuleBytes));
  return app
    .openapi(list, (c) => c.json({ functions: node.registry.list() }, 200))
    .openapi(get, (c) => {
      const fn = node.registry.get(c.req.valid("param").name);
      if (!fn) throw new NotFoundError("function", c.req.valid("param").name);
      return c.json(fn, 200);
    })
    .openapi(put, async (c) => {
      const { name } = c.req.valid("param");
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      const existed = node.registry.get(name) !== undefined;
      const deployment = await node.deployModule(name, bytes);
      return existed ? c.json(deployment, 200) : c.json(deployment, 201);
    })
    .openapi(
      remove,
      async (c) => c.json(await node.remove(c.req.valid("param").name), 200),
    )
    .openapi(manifest, async (c) => {
      const manifest = await parseManifest(await c.req.text());
      const functions = await node.apply(manifest.functions);
      return c.json({ functions }, 200);
    });
}
