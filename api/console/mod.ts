/**
 * The web console: a node and its cluster, functions, workflows and the
 * API reference, server-rendered with Hono's JSX; live figures over
 * Server-Sent Events; every asset served by the node itself.
 *
 * @example
 * ```ts ignore
 * import { mountConsole } from "./api/console/mod.ts";
 * mountConsole(app, node, { token, document: () => openApiDocument(app, true), fetch: app.fetch });
 * ```
 *
 * @module
 */
import { type Env, Hono } from "hono";
import type { EddyNode } from "../../node/node.ts";
import { consoleAccess, type ConsoleEnv } from "./access.ts";
import { consoleActions } from "./actions.tsx";
import { assetRoutes } from "./assets/mod.ts";
import type { Fetch } from "./dispatch.ts";
export { closeEventStreams } from "./events.ts";
import { loginRoutes } from "./login.tsx";
import { consolePages, nodePage } from "./pages.tsx";
import { Sessions } from "./session.ts";

/**
 * Options of {@linkcode mountConsole}.
 *
 * @example
 * ```ts ignore
 * const options: ConsoleOptions = { token: "s3cret", document: () => ({}), fetch: app.fetch };
 * ```
 */
export interface ConsoleOptions {
  /** The node's token: set, the console asks for it once per session. */
  token?: string;
  /** The node's OpenAPI document, for the reference page. */
  document: () => unknown;
  /** The node's whole API, which the console's actions go through. */
  fetch: Fetch;
}

/**
 * Adds the console to `app`: `/` and `/console/*`. Its actions go through
 * `options.fetch`, the node's API, as API requests.
 *
 * @example
 * ```ts ignore
 * mountConsole(app, node, { document: () => ({}), fetch: app.fetch });
 * ```
 */
export function mountConsole(
  app: Hono<Env>,
  node: EddyNode,
  options: ConsoleOptions,
): void {
  const sessions = new Sessions();
  const access = consoleAccess(sessions, options.token);
  const pageOptions = {
    loggedIn: options.token !== undefined,
    document: options.document,
  };
  // Assets and the login form come first: what answers them never reaches
  // the access check registered after them.
  app.route("/console/assets", assetRoutes());
  app.route("/console/login", loginRoutes(node, sessions, options.token));
  const guarded = new Hono<ConsoleEnv>().use("*", access);
  app.get("/", access, (c) => nodePage(c, node, pageOptions));
  app.route(
    "/console",
    guarded
      .route("/", consolePages(node, pageOptions))
      .route(
        "/",
        consoleActions(node, {
          ...pageOptions,
          token: options.token,
          fetch: options.fetch,
          sessions,
        }),
      ),
  );
}
