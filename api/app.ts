/**
 * The node's HTTP surface: management (`/v1/*`, token-guarded), invocation
 * (`/invoke/:name`), peers' invocations (`/comm`), health and metrics.
 *
 * What the first invocation needs is served from the start with plain
 * Hono; the rest is loaded by the first request that reaches it: the
 * management API, workflows and the OpenAPI document (`./management.ts`,
 * everything built from zod schemas), and the console (`./console/`, with
 * them). A node thus starts without `@hono/zod-openapi`, zod and the
 * console; one nobody manages never loads them, and one managed through
 * the API never loads the console.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { EddyNode } from "../node/node.ts";
import type { Fetch } from "./console/dispatch.ts";
import { requireToken } from "./auth.ts";
import { crossOriginRefusal, hostRefusal } from "./browser.ts";
import { directInvocations } from "./direct_invoke.ts";
import { failure, noRoute } from "./failure.ts";
import { refusing, type RequestCheck } from "./request_check.ts";
import { commRoutes } from "./routes/comm.ts";
import { invokeRoutes } from "./routes/invoke.ts";
import { systemRoutes } from "./routes/system.ts";
import { urlRefusal } from "./url.ts";

/** Options of {@linkcode createApp}. */
export interface AppOptions {
  /**
   * When set, `/v1/*` requires `Authorization: Bearer <token>`. When not,
   * the node refuses what a web page could send through a browser: unknown
   * `Host` names and state changes from other origins.
   */
  token?: string;
  /** Host names answered without a token, besides loopback and IP addresses. */
  allowedHosts?: string[];
  /** Largest module upload accepted, in bytes (default 64 MiB). */
  maxModuleBytes?: number;
}

/**
 * Builds the Hono app serving `node`.
 *
 * @example
 * ```ts
 * import { createApp } from "./app.ts";
 * import { EddyNode } from "../node/node.ts";
 * const tmp = await Deno.makeTempDir();
 * const node = await EddyNode.start({ dataDir: tmp });
 * const app = createApp(node, { token: "s3cret" });
 * const res = await app.request("/healthz");
 * console.log(res.status); // 200
 * await node.close();
 * await Deno.remove(tmp, { recursive: true });
 * ```
 */
export function createApp(
  node: EddyNode,
  options: AppOptions = {},
): Hono {
  const maxModuleBytes = options.maxModuleBytes ?? 64 << 20;
  const app = new Hono();
  for (const check of requestChecks(options)) app.use("*", refusing(check));
  if (options.token !== undefined) {
    app.use("/v1/*", requireToken(options.token));
  }
  app.route("/", systemRoutes(node));
  app.route("/invoke", invokeRoutes(node));
  app.route("/comm", commRoutes(node));
  const api = (request: Request, env: unknown) => app.fetch(request, env);
  const management = once(async () =>
    (await import("./management.ts")).managementApp(node, {
      token: options.token,
      maxModuleBytes,
    })
  );
  const consolePages = once(async () => {
    const [{ document }, { mountConsole }] = await Promise.all([
      management(),
      import("./console/mod.ts"),
    ]);
    consoleLoaded = true;
    const pages = new Hono();
    mountConsole(pages, node, { token: options.token, document, fetch: api });
    return pages.notFound(noRoute).onError(failure);
  });
  const forward =
    (load: () => Promise<{ fetch: Fetch }>) => async (c: Context) =>
      await (await load()).fetch(c.req.raw, c.env);
  app.get("/", forward(consolePages));
  app.all("/console/*", forward(consolePages));
  app.all("*", forward(async () => (await management()).app));
  app.onError(failure);
  return app;
}

/**
 * The handler a node serves: plain invocations answered directly
 * (`./direct_invoke.ts`), every other request by {@linkcode createApp}'s app.
 *
 * @example
 * ```ts
 * import { createHandler } from "./app.ts";
 * import { EddyNode } from "../node/node.ts";
 * const tmp = await Deno.makeTempDir();
 * const node = await EddyNode.start({ dataDir: tmp });
 * const fetch = createHandler(node);
 * console.log((await fetch(new Request("http://127.0.0.1/healthz"))).status); // 200
 * await node.close();
 * await Deno.remove(tmp, { recursive: true });
 * ```
 */
export function createHandler(node: EddyNode, options: AppOptions = {}): Fetch {
  const app = createApp(node, options);
  return directInvocations(
    node,
    requestChecks(options),
    (request, env) => app.fetch(request, env),
  );
}

/**
 * What every request must pass: a well-formed URL and, without a token,
 * a known host and no cross-origin write (what a web page could send
 * through the user's browser).
 */
function requestChecks(options: AppOptions): RequestCheck[] {
  return options.token === undefined
    ? [
      urlRefusal(),
      hostRefusal(options.allowedHosts ?? []),
      crossOriginRefusal,
    ]
    : [urlRefusal()];
}

/** `load`'s result, loaded by the first call. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => loaded ??= load();
}

/** Whether any app of this process has loaded the console. */
let consoleLoaded = false;

/**
 * Ends the console's open event streams (a server shutting down waits for
 * its responses, and an open console's never end by themselves); nothing
 * to do when no console was ever loaded.
 *
 * @example
 * ```ts
 * import { closeEventStreams } from "./app.ts";
 * await closeEventStreams();
 * ```
 */
export async function closeEventStreams(): Promise<void> {
  if (!consoleLoaded) return;
  (await import("./console/mod.ts")).closeEventStreams();
}
