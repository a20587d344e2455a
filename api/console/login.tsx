/**
 * Logging in to the console of a node with a token: the form, and the
 * exchange of the token for a session cookie.
 *
 * @module
 */
import { Hono } from "hono";
import type { EddyNode } from "../../node/node.ts";
import { sameOriginWrites } from "../browser.ts";
import { LoginPage } from "./pages/login.tsx";
import { sameSecret, type Sessions } from "./session.ts";

/**
 * `GET|POST /console/login`. Without a token there is nothing to log in
 * to: both go to the console.
 *
 * @example
 * ```ts ignore
 * app.route("/console/login", loginRoutes(node, sessions, token));
 * ```
 */
export function loginRoutes(
  node: EddyNode,
  sessions: Sessions,
  token: string | undefined,
): Hono {
  return new Hono()
    .get("/", (c) => {
      const next = safeNext(c.req.query("next"));
      if (token === undefined || sessions.current(c)) {
        return c.redirect(next, 303);
      }
      return c.html(<LoginPage nodeId={node.id} next={next} />);
    })
    .post("/", sameOriginWrites(), async (c) => {
      const form = await c.req.parseBody();
      const next = safeNext(String(form.next ?? "/"));
      if (token === undefined) return c.redirect(next, 303);
      if (
        typeof form.token !== "string" || !await sameSecret(form.token, token)
      ) {
        return c.html(
          <LoginPage
            nodeId={node.id}
            next={next}
            problem="That is not this node's token."
          />,
          401,
        );
      }
      sessions.open(c);
      return c.redirect(next, 303);
    });
}

/** `next` when it is a path on this node, else `/`: no open redirects. */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) ? next : "/";
}
