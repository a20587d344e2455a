/**
 * Console sessions: a random id in an HttpOnly, SameSite=Strict cookie,
 * and per session a CSRF token every state-changing form carries. Kept in
 * memory: a restart logs everyone out, which is the safe direction.
 *
 * @module
 */
import { timingSafeEqual } from "hono/utils/buffer";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

/**
 * Name of the session cookie.
 *
 * @example
 * ```ts
 * import { SESSION_COOKIE } from "./session.ts";
 * console.log(SESSION_COOKIE); // "eddy_session"
 * ```
 */
export const SESSION_COOKIE = "eddy_session";
/**
 * Name of the form field carrying the CSRF token.
 *
 * @example
 * ```ts
 * import { CSRF_FIELD } from "./session.ts";
 * console.log(CSRF_FIELD); // "_csrf"
 * ```
 */
export const CSRF_FIELD = "_csrf";
/** How long a session lasts without use. */
const IDLE_MS = 12 * 3600_000;
/** Sessions kept at most; the oldest goes first. */
const MAX_SESSIONS = 1000;

/**
 * A console session.
 *
 * @example
 * ```ts
 * import type { Session } from "./session.ts";
 * const field = (s: Session) => `<input type="hidden" name="_csrf" value="${s.csrf}">`;
 * ```
 */
export interface Session {
  id: string;
  csrf: string;
  lastUsed: number;
  /** What the next page shows once, after an action redirected to it. */
  flash?: { kind: "ok" | "bad"; text: string };
}

/**
 * The sessions of one node's console.
 *
 * @example
 * ```ts ignore
 * const sessions = new Sessions();
 * const session = sessions.open(c); // sets the cookie
 * sessions.current(c)?.csrf === session.csrf; // true on the next request
 * ```
 */
export class Sessions {
  readonly #sessions = new Map<string, Session>();

  /** Starts a session and sets its cookie on `c`'s response. */
  open(c: Context): Session {
    if (this.#sessions.size >= MAX_SESSIONS) {
      this.#sessions.delete(this.#sessions.keys().next().value!);
    }
    const session = {
      id: randomToken(),
      csrf: randomToken(),
      lastUsed: Date.now(),
    };
    this.#sessions.set(session.id, session);
    setCookie(c, SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: new URL(c.req.url).protocol === "https:",
    });
    return session;
  }

  /** The session `c`'s cookie names, if it is live. */
  current(c: Context): Session | undefined {
    const id = getCookie(c, SESSION_COOKIE);
    const session = id === undefined ? undefined : this.#sessions.get(id);
    if (!session) return undefined;
    if (Date.now() - session.lastUsed > IDLE_MS) {
      this.#sessions.delete(session.id);
      return undefined;
    }
    session.lastUsed = Date.now();
    return session;
  }

  /** Ends `c`'s session and clears its cookie. */
  close(c: Context): void {
    const id = getCookie(c, SESSION_COOKIE);
    if (id !== undefined) this.#sessions.delete(id);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
  }
}

/**
 * Whether `given` equals `expected`, in time that does not depend on where
 * they differ.
 *
 * @example
 * ```ts
 * import { sameSecret } from "./session.ts";
 * console.log(await sameSecret("abc", "abc"), await sameSecret("abc", "abd")); // true false
 * ```
 */
export function sameSecret(given: string, expected: string): Promise<boolean> {
  return timingSafeEqual(given, expected);
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return bytes.toHex();
}
