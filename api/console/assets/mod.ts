/**
 * The console's static assets, served by the node itself (no CDN): the
 * stylesheet, the live-update script and the logo.
 *
 * @module
 */
import { Hono } from "hono";
import { etag } from "hono/etag";
import { LIVE_SCRIPT } from "./live.ts";
import { STYLE } from "./style.ts";

const LOGO =
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="15" fill="#0b6bcb"/><path d="M16 6a10 10 0 1 0 10 10 7 7 0 0 0-7-7 4.5 4.5 0 0 0-4.5 4.5A2.5 2.5 0 0 0 17 16" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round"/></svg>`;

const ASSETS: Record<string, { type: string; body: string }> = {
  "console.css": { type: "text/css; charset=utf-8", body: STYLE },
  "live.js": { type: "text/javascript; charset=utf-8", body: LIVE_SCRIPT },
  "logo.svg": { type: "image/svg+xml", body: LOGO },
};

/**
 * `GET /console/assets/:file`, with ETags so a browser revalidates
 * instead of downloading again.
 *
 * @example
 * ```ts ignore
 * app.route("/console/assets", assetRoutes());
 * ```
 */
export function assetRoutes(): Hono {
  return new Hono().use("*", etag()).get("/:file", (c) => {
    const asset = ASSETS[c.req.param("file")];
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, {
      "content-type": asset.type,
      "cache-control": "no-cache",
    });
  });
}
