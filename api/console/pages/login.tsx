/**
 * The login form of a node with a token.
 *
 * @module
 */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { Logo } from "../layout.tsx";

/**
 * A whole page: the form asking for the node's token.
 *
 * @example
 * ```tsx ignore
 * return c.html(<LoginPage nodeId={node.id} next="/" />);
 * ```
 */
export function LoginPage(
  props: { nodeId: string; next: string; problem?: string },
): Child {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <title>Log in · eddy · {props.nodeId}</title>
          <link rel="stylesheet" href="/console/assets/console.css" />
          <link
            rel="icon"
            href="/console/assets/logo.svg"
            type="image/svg+xml"
          />
        </head>
        <body>
          <main class="login" id="main">
            <section class="panel">
              <h1 class="brand">
                <Logo /> eddy
              </h1>
              <p class="muted">
                Node <span class="mono">{props.nodeId}</span>{" "}
                asks for its token (the one it was started with{" "}
                <code>--token</code> or <code>$EDDY_TOKEN</code>).
              </p>
              {props.problem && (
                <div class="notice bad" role="alert">{props.problem}</div>
              )}
              <form class="stack" method="post" action="/console/login">
                <input type="hidden" name="next" value={props.next} />
                <label>
                  Token
                  <input
                    type="password"
                    name="token"
                    required
                    autocomplete="current-password"
                    autofocus
                  />
                </label>
                <div>
                  <button type="submit">Log in</button>
                </div>
              </form>
            </section>
          </main>
        </body>
      </html>
    </>
  );
}
