/**
 * The frame of every console page: head, navigation, live indicator and
 * the place for notices.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import { CSRF_FIELD } from "./session.ts";

/** The console's sections, in navigation order. */
const SECTIONS = [
  { id: "node", href: "/", label: "Node & cluster" },
  { id: "functions", href: "/console/functions", label: "Functions" },
  { id: "workflows", href: "/console/workflows", label: "Workflows" },
  { id: "api", href: "/console/api", label: "API" },
] as const;

/**
 * A message shown above a page's content.
 *
 * @example
 * ```ts ignore
 * const notice: Notice = { kind: "ok", text: "deployed echo" };
 * ```
 */
export interface Notice {
  kind: "ok" | "bad";
  text: string;
}

/**
 * Props of {@linkcode Page}.
 *
 * @example
 * ```ts ignore
 * const props: PageProps = { title: "Functions", section: "functions", nodeId: "n1", loggedIn: false };
 * ```
 */
export interface PageProps {
  title: string;
  /** Which section the page belongs to. */
  section: (typeof SECTIONS)[number]["id"];
  nodeId: string;
  /** The session's CSRF token; set when a logout form is shown. */
  csrf?: string;
  /** Whether the node has a token (then the user logged in, and may log out). */
  loggedIn: boolean;
  notice?: Notice;
  children?: Child;
}

/**
 * A whole console page.
 *
 * @example
 * ```tsx ignore
 * return c.html(<Page title="Functions" section="functions" nodeId="n1" loggedIn={false}>...</Page>);
 * ```
 */
export function Page(props: PageProps): Child {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <title>{props.title} · eddy · {props.nodeId}</title>
          <link rel="stylesheet" href="/console/assets/console.css" />
          <link
            rel="icon"
            href="/console/assets/logo.svg"
            type="image/svg+xml"
          />
          <script src="/console/assets/live.js" defer></script>
        </head>
        <body>
          <a class="skip" href="#main">Skip to content</a>
          <header class="top">
            <a class="brand" href="/" aria-label="eddy home">
              <Logo />
              eddy
            </a>
            <nav aria-label="Sections">
              <ul>
                {SECTIONS.map((s) => (
                  <li>
                    <a
                      href={s.href}
                      aria-current={s.id === props.section ? "page" : undefined}
                    >
                      {s.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <div class="who">
              <span
                class="live-dot"
                role="img"
                aria-label="live updates"
                title="live updates"
              >
              </span>
              <span class="mono">{props.nodeId}</span>
              {props.loggedIn && props.csrf && (
                <form method="post" action="/console/logout">
                  <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
                  <button class="quiet" type="submit">Log out</button>
                </form>
              )}
            </div>
          </header>
          <main id="main">
            <h1>{props.title}</h1>
            {props.notice && (
              <div
                class={`notice ${props.notice.kind}`}
                role={props.notice.kind === "bad" ? "alert" : "status"}
              >
                {props.notice.text}
              </div>
            )}
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}

/**
 * eddy's mark: a swirl of water, as SVG.
 *
 * @example
 * ```tsx ignore
 * <Logo />
 * ```
 */
export function Logo(): Child {
  return (
    <svg viewBox="0 0 32 32" aria-hidden="true">
      <circle cx="16" cy="16" r="15" fill="#0b6bcb" />
      <path
        d="M16 6a10 10 0 1 0 10 10 7 7 0 0 0-7-7 4.5 4.5 0 0 0-4.5 4.5A2.5 2.5 0 0 0 17 16"
        fill="none"
        stroke="#fff"
        stroke-width="2.6"
        stroke-linecap="round"
      />
    </svg>
  );
}

/**
 * The hidden field that carries the session's CSRF token in a form.
 *
 * @example
 * ```tsx ignore
 * <form method="post"><CsrfField token={csrf} />...</form>
 * ```
 */
export function CsrfField(props: { token: string }): Child {
  return <input type="hidden" name={CSRF_FIELD} value={props.token} />;
}
