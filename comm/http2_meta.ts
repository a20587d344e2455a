/**
 * How the http2 mode carries what is not the payload: the request's target
 * and headers, or the response's headers, travel as one JSON header, so
 * that names keep their case and values any character in every mode (HTTP
 * would lowercase names and restrict values). The status is the HTTP
 * status, the payload the body.
 *
 * @module
 */

/** The header that carries the meta JSON, on requests and responses. */
export const COMM_HEADER = "x-eddy-comm";

/** Meta of a request: what it is for. */
export interface RequestMeta {
  target: string;
  headers: Record<string, string>;
}

/** Meta of a response. */
export interface ResponseMeta {
  headers: Record<string, string>;
}

/**
 * JSON that is a valid header value: characters past ASCII are escaped as
 * `\uXXXX` (control characters JSON escapes already).
 *
 * @example
 * ```ts
 * import { encodeMeta } from "./http2_meta.ts";
 * console.log(encodeMeta({ headers: { city: "Zürich" } }));
 * // {"headers":{"city":"Z\u00fcrich"}}
 * ```
 */
export function encodeMeta(meta: RequestMeta | ResponseMeta): string {
  return JSON.stringify(meta).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Parses a meta header; `undefined` when it is missing or malformed.
 *
 * @example
 * ```ts
 * import { decodeMeta } from "./http2_meta.ts";
 * console.log(decodeMeta('{"headers":{"a":"1"}}')?.headers.a); // 1
 * console.log(decodeMeta("nope")); // undefined
 * ```
 */
export function decodeMeta(
  value: string | null | undefined,
): { target?: unknown; headers: Record<string, string> } | undefined {
  if (!value) return undefined;
  try {
    const meta = JSON.parse(value);
    const headers = meta?.headers;
    if (typeof headers !== "object" || headers === null) return undefined;
    if (Object.values(headers).some((v) => typeof v !== "string")) {
      return undefined;
    }
    return meta;
  } catch {
    return undefined;
  }
}
