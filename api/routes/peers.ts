/**
 * Peering: the nodes this node knows, and how they learn of each other.
 *
 * @module
 */
import { Hono } from "hono";
import type { EddyNode } from "../../node/node.ts";
import { NotFoundError, RequestError } from "../../runtime/errors.ts";
import { requireContentType } from "../content_type.ts";

const JSON_ONLY = ["application/json"];

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
export function peerRoutes(node: EddyNode): Hono {
  return new Hono()
    .get("/", (c) => c.json({ peers: node.peers.list() }))
    .post(
      "/",
      requireContentType(JSON_ONLY),
      async (c) => c.json(await node.peers.add(await peerUrl(c.req.raw))),
    )
    .post("/announce", requireContentType(JSON_ONLY), async (c) => {
      await node.peers.learn(await peerUrl(c.req.raw));
      return c.json({ ok: true });
    })
    .delete("/:peer", (c) => {
      // Hono has decoded the parameter once already.
      const peer = c.req.param("peer");
      if (!node.peers.remove(peer)) throw new NotFoundError("peer", peer);
      return c.json({ removed: peer });
    });
}

async function peerUrl(request: Request): Promise<string> {
  let url: unknown;
  try {
    url = (await request.json()).url;
  } catch {
    throw new RequestError(
      "invalid_peer",
      'the body must be JSON: {"url": "http://host:port"}',
    );
  }
  if (typeof url !== "string" || !/^https?:\/\/[^/\s]+\/?$/.test(url)) {
    throw new RequestError(
      "invalid_peer",
      `a peer is a base URL like http://10.0.0.2:8080, got ${
        JSON.stringify(url)
      }`,
    );
  }
  return url;
}
