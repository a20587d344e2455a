/**
 * What keeps a web page from driving a node without a token through the
 * user's browser: requests under a host name the node does not answer to
 * (DNS rebinding) and state changes sent from another origin (cross-site
 * requests) are refused.
 *
 * `hono/csrf` is not used because it refuses form-typed posts that carry
 * neither `Origin` nor `Sec-Fetch-Site`, which is every `curl -d` invocation,
 * and lets through foreign origins with other content types.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { RequestError } from "../runtime/errors.ts";
import { refusing, type RequestCheck } from "./request_check.ts";

/**
 * Host names a node always answers to: loopback, whatever the port.
 *
 * @example
 * ```ts
 * import { LOOPBACK_HOSTS } from "./browser.ts";
 * console.log(LOOPBACK_HOSTS.includes("localhost")); // true
 * ```
 */
export const LOOPBACK_HOSTS: readonly string[] = [
  "localhost",
  "127.0.0.1",
  "[::1]",
];

/**
 * A check that refuses (403 `host_not_allowed`) a request whose `Host` is
 * not a loopback name, an IP address, or one of `names` (compared without
 * port and case). A DNS-rebinding page reaches the node under the
 * attacker's domain name; it cannot make a browser send an IP address or
 * loopback name as the host of its own origin.
 *
 * @example
 * ```ts
 * import { hostRefusal } from "./browser.ts";
 * const refusal = hostRefusal(["eddy.lan"]);
 * console.log(refusal(new Request("http://evil.example/"))?.code); // "host_not_allowed"
 * console.log(refusal(new Request("http://eddy.lan:8080/"))); // undefined
 * ```
 */
export function hostRefusal(names: Iterable<string>): RequestCheck {
  const allowed = new Set(
    [...LOOPBACK_HOSTS, ...names].map((name) => hostnameOf(name)),
  );
  // Host headers seen to pass, so that most requests skip parsing the URL.
  const passed = new Set<string>();
  return (request) => {
    const header = request.headers.get("host") ?? undefined;
    if (header !== undefined && passed.has(header)) return undefined;
    const host = new URL(request.url).hostname;
    if (!allowed.has(host) && !isIpAddress(host)) {
      return new RequestError(
        "host_not_allowed",
        `this node does not answer to host '${host}': without a token it answers only to loopback names, IP addresses, its --hostname and --advertise names and those given with --allowed-host (start it with --allowed-host ${host} if '${host}' is meant to reach it)`,
        { host },
      );
    }
    if (header !== undefined && passed.size < 64) passed.add(header);
    return undefined;
  };
}

/**
 * Refuses (403 `cross_origin`) a state-changing request (any method but
 * GET, HEAD and OPTIONS) that a browser sent from another origin: an
 * `Origin` other than the node's own, or `Sec-Fetch-Site: cross-site` /
 * `same-site`. Clients that are not browsers send neither and pass.
 *
 * @example
 * ```ts
 * import { crossOriginRefusal } from "./browser.ts";
 * const post = new Request("http://127.0.0.1:8080/invoke/echo", {
 *   method: "POST",
 *   headers: { origin: "https://evil.example" },
 * });
 * console.log(crossOriginRefusal(post)?.code); // "cross_origin"
 * ```
 */
export function crossOriginRefusal(request: Request): RequestError | undefined {
  const method = request.method;
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") {
    return undefined;
  }
  const origin = request.headers.get("origin") ?? undefined;
  const site = request.headers.get("sec-fetch-site") ?? undefined;
  // Clients that are not browsers send neither: nothing to compare.
  if (origin === undefined && site === undefined) return undefined;
  const url = new URL(request.url);
  const own = url.origin;
  if (
    site === "cross-site" || site === "same-site" ||
    (origin !== undefined && origin !== own)
  ) {
    return new RequestError(
      "cross_origin",
      `${method} ${url.pathname} from ${
        origin === undefined ? `a ${site} page` : `origin '${origin}'`
      } refused: without a token this node accepts changes only from its own origin (${own}) or from clients that are not browsers; set --token to manage it from elsewhere`,
      { origin: origin ?? null, secFetchSite: site ?? null },
    );
  }
  return undefined;
}

/**
 * Middleware that refuses what {@linkcode crossOriginRefusal} refuses.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { sameOriginWrites } from "./browser.ts";
 * const app = new Hono().use("*", sameOriginWrites());
 * ```
 */
export function sameOriginWrites(): MiddlewareHandler {
  return refusing(crossOriginRefusal);
}

/** `name` as URL hostnames are written: lower case, no port, IPv6 bracketed. */
function hostnameOf(name: string): string {
  try {
    return new URL(`http://${name}`).hostname;
  } catch {
    return name.toLowerCase();
  }
}

function isIpAddress(host: string): boolean {
  return host.startsWith("[") || /^\d+\.\d+\.\d+\.\d+$/.test(host);
}
