/**
 * Who may use the console. With a node token: whoever logged in with it
 * (session cookie). Without one: clients on loopback only, as a node
 * without a token is meant to be reached. Either way every state-changing
 * form carries the session's CSRF token, and changes then go through the
 * API with all its own checks.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { RequestError } from "../../runtime/errors.ts";
import { sameOriginWrites } from "../browser.ts";
import { CSRF_FIELD, sameSecret, type Session, Sessions } from "./session.ts";

/**
 * Where the login form is.
 *
 * @example
 * ```ts
 * import { LOGIN_PATH } from "./access.ts";
 * console.log(LOGIN_PATH); // "/console/login"
 * ```
 */
export const LOGIN_PATH = "/console/login";

/**
 * What the console's handlers find in the context.
 *
 * @example
 * ```ts ignore
 * new Hono<ConsoleEnv>().get("/x", (c) => c.text(c.get("session").csrf));
 * ```
 */
export type ConsoleEnv = {
  Variables: { session: Session };
};

/**
 * Middleware in front of every console page and action: refuses clients
 * not on loopback when the node has no token, sends visitors without a
 * session to the login form when it has one, and checks the Origin and
 * CSRF token of every POST.
 *
 * @example
 * ```ts ignore
 * app.use("/console/*", consoleAccess(sessions, token));
 * ```
 */
export function consoleAccess(
  sessions: Sessions,
  token: string | undefined,
): MiddlewareHandler<ConsoleEnv> {
  const sameOrigin = sameOriginWrites();
  return async (c, next) => {
    if (token === undefined) loopbackOnly(c);
    let session = sessions.current(c);
    if (!session) {
      if (token !== undefined) {
        const next = c.req.method === "GET" ? c.req.path : "/";
        return c.redirect(
          `${LOGIN_PATH}?next=${encodeURIComponent(next)}`,
          303,
        );
      }
      session = sessions.open(c);
    }
    c.set("session", session);
    if (c.req.method !== "POST") return await next();
    return await sameOrigin(c, async () => {
      await requireCsrf(c, session);
      await next();
    });
  };
}

/**
 * Refuses (403 `invalid_csrf_token`) a form whose CSRF field is not the
 * session's token.
 *
 * @example
 * ```ts ignore
 * await requireCsrf(c, session);
 * ```
 */
export async function requireCsrf(c: Context, session: Session): Promise<void> {
  const form = await c.req.parseBody();
  const given = form[CSRF_FIELD];
  if (typeof given !== "string" || !await sameSecret(given, session.csrf)) {
    throw new RequestError(
      "invalid_csrf_token",
      "the form's CSRF token is missing or belongs to another session; reload the page and send it again",
    );
  }
}

/**
 * Refuses (403 `console_loopback_only`) a client that is not on loopback,
 * when the node has no token and so no way to tell people apart.
 */
function loopbackOnly(c: Context): void {
  const addr = (c.env as { remoteAddr?: Deno.Addr } | undefined)?.remoteAddr;
  if (addr?.transport !== "tcp") return;
  const host = addr.hostname;
  if (
    host === "::1" || host.startsWith("127.") || host === "::ffff:127.0.0.1"
  ) {
    return;
  }
  throw new RequestError(
    "console_loopback_only",
    `the console of a node without a token answers only on loopback; ${host} is not (start the node with --token to open it to others)`,
    { client: host },
  );
}
