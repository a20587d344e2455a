/**
 * The CLI's client of a node's HTTP API: base URL and token from flags or
 * the environment, JSON errors turned into one-line messages.
 *
 * @module
 */
import { EddyError } from "../runtime/errors.ts";

/** Where a node is and how to authenticate. */
export interface ClientOptions {
  /** Base URL; defaults to `$EDDY_URL` or `http://127.0.0.1:8080`. */
  url?: string;
  /** Bearer token; defaults to `$EDDY_TOKEN`. */
  token?: string;
}

/** Flags every client command takes. */
export const CLIENT_FLAGS = {
  url: { type: "string" },
  token: { type: "string" },
} as const;

/** Help text lines for {@linkcode CLIENT_FLAGS}. */
export const CLIENT_HELP =
  `  --url URL      the node's API (default $EDDY_URL or http://127.0.0.1:8080)
  --token TOKEN  bearer token for management routes (default $EDDY_TOKEN)`;

/**
 * Calls a node's API.
 *
 * @example
 * ```ts ignore
 * const client = new Client({ url: "http://127.0.0.1:8080" });
 * const { functions } = await client.json("GET", "/v1/functions");
 * ```
 */
export class Client {
  readonly url: string;
  readonly #token?: string;

  constructor(options: ClientOptions = {}) {
    this.url = (options.url ?? Deno.env.get("EDDY_URL") ??
      "http://127.0.0.1:8080").replace(/\/+$/, "");
    this.#token = options.token ?? Deno.env.get("EDDY_TOKEN");
  }

  /** Sends a request; a non-2xx answer throws its error as an EddyError. */
  async request(
    method: string,
    path: string,
    body?: BodyInit,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    let response: Response;
    try {
      response = await fetch(this.url + path, { method, body, headers });
    } catch (error) {
      throw new EddyError(
        "unreachable",
        `cannot reach the node at ${this.url}: ${(error as Error).message}`,
      );
    }
    if (response.ok) return response;
    const text = await response.text();
    let message = text;
    let code = "http_error";
    try {
      const parsed = JSON.parse(text).error;
      message = parsed.message;
      code = parsed.code;
      if (parsed.stderr) message += `\n${parsed.stderr.trimEnd()}`;
    } catch {
      message = `${response.status} ${response.statusText}: ${text}`;
    }
    throw new EddyError(code, message);
  }

  /** Sends a request and parses the JSON answer. */
  async json<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: BodyInit,
    headers?: Record<string, string>,
  ): Promise<T> {
    return await (await this.request(method, path, body, headers)).json();
  }
}
