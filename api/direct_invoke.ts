/**
 * The invocation paths without the router: `POST /invoke/:name` and
 * `POST /workflows/:name` with a plain name and no query are answered
 * here, everything else by the app.
 *
 * Why: per request, Hono's routing, middleware chain and context were
 * about half of what the main isolate allocated for a 1 KB echo, and the
 * main isolate is where every invocation's HTTP work happens (guests run in
 * executor workers). Both paths run the same checks (`./request_check.ts`),
 * the same answer (`answerInvocation`, `answerWorkflow`) and the same
 * error envelope (`failureResponse`), so they cannot answer differently.
 *
 * @module
 */
import type { EddyNode } from "../node/node.ts";
import type { Fetch } from "./console/dispatch.ts";
import { failureResponse } from "./failure.ts";
import type { RequestCheck } from "./request_check.ts";
import { answerInvocation, serveInfo } from "./routes/invoke.ts";
import { answerWorkflow } from "./routes/run_workflow.ts";

const FUNCTIONS = "/invoke/";
const WORKFLOWS = "/workflows/";

/**
 * A request handler that answers plain invocations of `node`'s functions
 * and workflows, after `checks`, and hands every other request to `app`
 * (names with percent-escapes and queries go there too, to be decoded
 * once).
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
 * const run = await fetch(new Request("http://127.0.0.1/workflows/nope", { method: "POST" }));
 * console.log(run.status); // 404
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
    if (request.method !== "POST") return app(request, env);
    const url = request.url;
    const path = url.indexOf("/", url.indexOf("//") + 2);
    const fn = plainName(url, path, FUNCTIONS);
    const workflow = fn === undefined
      ? plainName(url, path, WORKFLOWS)
      : undefined;
    if (fn === undefined && workflow === undefined) return app(request, env);
    for (const check of checks) {
      const refusal = check(request);
      if (refusal) return failureResponse(refusal, request);
    }
    const failed = (error: unknown) => failureResponse(error, request);
    if (workflow !== undefined) {
      return answerWorkflow(node, workflow, request).catch(failed);
    }
    try {
      return answerInvocation(node, fn!, request, [], serveInfo(env))
        .catch(failed);
    } catch (refusal) {
      return failed(refusal);
    }
  };
}

/**
 * The name in a URL `http://host<prefix>NAME` whose path starts at `path`,
 * with nothing after NAME and no percent-escape in it; `undefined` for any
 * other URL.
 */
function plainName(
  url: string,
  path: number,
  prefix: string,
): string | undefined {
  if (path < 0 || !url.startsWith(prefix, path)) return undefined;
  const start = path + prefix.length;
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    // '/', '?', '%'
    if (c === 47 || c === 63 || c === 37) return undefined;
  }
  return start < url.length ? url.slice(start) : undefined;
}
