/**
 * Refusing URLs that cannot be read before anything reads them: a `Host`
 * that is no host (`a b`, `[::1`, port 99999), and percent-encoding that is
 * broken (routes get their parameters decoded once, by Hono).
 *
 * @module
 */
import { RequestError } from "../runtime/errors.ts";
import type { RequestCheck } from "./request_check.ts";

/**
 * A check of a request's URL: a `RequestError` 400 `invalid_host` when its
 * host is not one, 400 `invalid_url` when its path or query holds a
 * malformed percent-escape (`%ff`, `%zz`, a lone `%`); `undefined` when it
 * is well formed.
 *
 * @example
 * ```ts
 * import { urlRefusal } from "./url.ts";
 * const refusal = urlRefusal();
 * console.log(refusal(new Request("http://127.0.0.1/%zz"))?.code); // "invalid_url"
 * console.log(refusal(new Request("http://127.0.0.1/invoke/echo"))); // undefined
 * ```
 */
export function urlRefusal(): RequestCheck {
  // Host headers seen to be well formed: a request under one whose URL has
  // no percent-escape needs no parsing (a path never fails to parse).
  const passed = new Set<string>();
  return (request) => {
    const header = request.headers.get("host") ?? undefined;
    if (
      header !== undefined && passed.has(header) && !request.url.includes("%")
    ) {
      return undefined;
    }
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      const host = header ?? null;
      return new RequestError(
        "invalid_host",
        `the request's host ${
          JSON.stringify(host)
        } is not a host name, address or port`,
        { host },
      );
    }
    const { pathname, search } = url;
    for (const [part, text] of [["path", pathname], ["query", search]]) {
      try {
        decodeURIComponent(text);
      } catch {
        return new RequestError(
          "invalid_url",
          `the request ${part} '${text}' has a malformed percent-escape (write '%' as %25)`,
          { [part]: text },
        );
      }
    }
    if (header !== undefined && passed.size < 64) passed.add(header);
    return undefined;
  };
}
