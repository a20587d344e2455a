/**
 * How a console action changes anything: it becomes the API request a
 * client would send, dispatched through the node's own app, so the API's
 * checks (host, origin, token, content type, sizes, schemas) all apply.
 *
 * @module
 */
import type { Context } from "hono";

/**
 * The app's request handler.
 *
 * @example
 * ```ts ignore
 * const fetch: Fetch = (request, env) => app.fetch(request, env);
 * ```
 */
export type Fetch = (
  request: Request,
  env?: object,
) => Response | Promise<Response>;

/**
 * Sends `method path` with `body` and `contentType` to the API as the
 * browser's request would reach it (its Host, Origin and
 * Sec-Fetch-Site), plus the node's bearer token when it has one: the
 * session already proved the user knows it.
 *
 * @example
 * ```ts ignore
 * const res = await callApi(app.fetch, token, c, "DELETE", "/v1/functions/echo");
 * ```
 */
export async function callApi(
  fetch: Fetch,
  token: string | undefined,
  c: Context,
  method: string,
  path: string,
  body?: BodyInit,
  contentType?: string,
): Promise<Response> {
  const headers = new Headers();
  for (const name of ["host", "origin", "sec-fetch-site"]) {
    const value = c.req.header(name);
    if (value !== undefined) headers.set(name, value);
  }
  if (token !== undefined) headers.set("authorization", `Bearer ${token}`);
  if (contentType !== undefined) headers.set("content-type", contentType);
  const url = new URL(path, c.req.url);
  return await fetch(
    new Request(url, { method, headers, body, signal: c.req.raw.signal }),
    c.env,
  );
}

/**
 * The message of an API error response, or its status line.
 *
 * @example
 * ```ts ignore
 * if (!res.ok) notice = await errorMessage(res);
 * ```
 */
export async function errorMessage(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const { error } = JSON.parse(text);
    return `${error.code}: ${error.message}`;
  } catch {
    return `${response.status} ${text.slice(0, 200)}`;
  }
}
