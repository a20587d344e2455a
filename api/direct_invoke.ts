/**
 * The invocation path without the router: `POST /invoke/:name` with a
 * plain name and no query is answered here, everything else by the app.
 *
 * Why: per request, Hono's routing, middleware chain and context were
 * about half of what the main isolate allocated for a 1 KB echo, and the
 * main isolate is where every invocation's HTTP work happens (guests run in
 * executor workers). Both paths run the same checks (`./request_check.ts`),
 * the same answer (`answerInvocation`) and the same error envelope
 * (`failureResponse`), so they cannot answer differently.
 *
 * @module
 */
import type { EddyNode } from "../node/node.ts";
import type { Fetch } from "./console/dispatch.ts";
import { failureResponse } from "./failure.ts";
import type { RequestCheck } from "./request_check.ts";
import { answerInvocation, serveInfo } from "./routes/invoke.ts";

const PATH = "/invoke/";

/**
 * A request handler that answers plain invocations of `node` itself, after
 * `checks`, and hands every other request to `app` (names with
 * percent-escapes and `?arg=` queries go there too, to be decoded once).
 *
 * @example
 * ```ts
 * import { directInvocations } from "./direct_invoke.ts";
 * import { createApp } from "./app.ts";
 * import { EddyNode } from "../node/node.ts";
 * const tmp = await Deno.makeTempDir();
 * const node = await EddyNode.start({ dataDir: tmp });
 * const app = createApp(node);
 * const fetch = directInvocations(node, [], (r, env) => app.fetch(r, env));
 * const res = await fetch(new Request("http://127.0.0.1/invoke/nope", { method: "POST" }));
 * console.log(res.status); // 404
 * await node.close();
 * await Deno.remove(tmp, { recursive: true });
 * ```
 */
export function directInvocations(
  node: EddyNode,
  checks: readonly RequestCheck[],
  app: Fetch,
): Fetch {
  return (request, env) => {
    const name = request.method === "POST" ? plainName(request.url) : undefined;
    if (name === undefined) return app(request, env);
    for (const check of checks) {
      const refusal = check(request);
      if (refusal) return failureResponse(refusal, request);
    }
    try {
      return answerInvocation(node, name, request, [], serveInfo(env))
        .catch((error) => failureResponse(error, request));
    } catch (refusal) {
      return failureResponse(refusal, request);
    }
  };
}

/**
 * The function named by a URL `http://host/invoke/NAME` with nothing after
 * NAME and no percent-escape in it; `undefined` for any other URL.
 */
function plainName(url: string): string | undefined {
  const path = url.indexOf("/", url.indexOf("//") + 2);
  if (path < 0 || !url.startsWith(PATH, path)) return undefined;
  const start = path + PATH.length;
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    // '/', '?', '%'
    if (c === 47 || c === 63 || c === 37) return undefined;
  }
  return start < url.length ? url.slice(start) : undefined;
}
