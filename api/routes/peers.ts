/**
 * Peering: the nodes this node knows, and how they learn of each other.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { EddyNode } from "../../node/node.ts";
import { NotFoundError } from "../../runtime/errors.ts";
import { requireContentType } from "../content_type.ts";
import {
  ANY_REQUEST,
  errorResponses,
  MANAGEMENT,
  TYPED_BODY,
  WRITE,
} from "../openapi/errors.ts";
import { PeerSchema, PeerUrlSchema } from "../openapi/schemas.ts";
import { parsedJson, refuseInvalid } from "../openapi/validation.ts";

const JSON_ONLY = ["application/json"];
const HINT = '{"url": "http://host:port"}';

const peerBody = {
  required: true,
  content: { "application/json": { schema: PeerUrlSchema } },
};
const peerWrite = [
  requireContentType(JSON_ONLY),
  parsedJson("invalid_peer", HINT),
];
const peerErrors = errorResponses(ANY_REQUEST, MANAGEMENT, WRITE, TYPED_BODY, [
  "invalid_peer",
]);

const list = createRoute({
  method: "get",
  path: "/",
  summary: "The peers this node knows",
  tags: ["peers"],
  responses: {
    200: {
      description: "Peers with what was last learnt of each",
      content: {
        "application/json": {
          schema: z.object({ peers: z.array(PeerSchema) }),
        },
      },
    },
    ...errorResponses(ANY_REQUEST, MANAGEMENT),
  },
});

const add = createRoute({
  method: "post",
  path: "/",
  summary: "Adds a peer (and tells it about this node)",
  tags: ["peers"],
  middleware: peerWrite,
  request: { body: peerBody },
  responses: {
    200: {
      description: "The peer",
      content: { "application/json": { schema: PeerSchema } },
    },
    ...peerErrors,
  },
});

const announce = createRoute({
  method: "post",
  path: "/announce",
  summary: "How a peer tells this node it exists or changed",
  tags: ["peers"],
  middleware: peerWrite,
  request: { body: peerBody },
  responses: {
    200: {
      description: "Learnt",
      content: {
        "application/json": { schema: z.object({ ok: z.literal(true) }) },
      },
    },
    ...peerErrors,
  },
});

const remove = createRoute({
  method: "delete",
  path: "/{peer}",
  summary: "Forgets a peer, by node id or URL",
  tags: ["peers"],
  request: { params: z.object({ peer: z.string() }) },
  responses: {
    200: {
      description: "Forgotten",
      content: {
        "application/json": { schema: z.object({ removed: z.string() }) },
      },
    },
    ...errorResponses(ANY_REQUEST, MANAGEMENT, WRITE, ["not_found"]),
  },
});

/**
 * `GET /v1/peers`; `POST /v1/peers {"url"}` adds a peer (and tells it about
 * this node); `POST /v1/peers/announce {"url"}` is how a peer tells this
 * node it exists or changed; `DELETE /v1/peers/:idOrUrl` forgets one.
 *
 * @example
 * ```ts ignore
 * app.route("/v1/peers", peerRoutes(node));
 * // curl -H 'content-type: application/json' -d '{"url":"http://10.0.0.2:8080"}' http://127.0.0.1:8080/v1/peers
 * ```
 */
export function peerRoutes(node: EddyNode): OpenAPIHono {
  return new OpenAPIHono({ defaultHook: refuseInvalid("invalid_peer") })
    .openapi(list, (c) => c.json({ peers: node.peers.list() }, 200))
    .openapi(
      add,
      async (c) => c.json(await node.peers.add(c.req.valid("json").url), 200),
    )
    .openapi(announce, async (c) => {
      await node.peers.learn(c.req.valid("json").url);
      return c.json({ ok: true as const }, 200);
    })
    .openapi(remove, (c) => {
      // Hono has decoded the parameter once already.
      const peer = c.req.valid("param").peer;
      if (!node.peers.remove(peer)) throw new NotFoundError("peer", peer);
      return c.json({ removed: peer }, 200);
    });
}
