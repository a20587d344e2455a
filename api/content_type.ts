/**
 * Management writes say what they send: a document route takes JSON or
 * YAML, a module route wasm bytes. A browser can send `text/plain` or form
 * types across origins without asking first; these routes accept none of
 * them.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { RequestError } from "../runtime/errors.ts";

/**
 * Media types of manifests and workflow specs.
 *
 * @example
 * ```ts
 * import { DOCUMENT_TYPES } from "./content_type.ts";
 * console.log(DOCUMENT_TYPES.includes("text/yaml")); // true
 * ```
 */
export const DOCUMENT_TYPES: readonly string[] = [
  "application/json",
  "application/yaml",
  "application/x-yaml",
  "text/yaml",
];

/**
 * Media types of module uploads.
 *
 * @example
 * ```ts
 * import { MODULE_TYPES } from "./content_type.ts";
 * console.log(MODULE_TYPES[0]); // "application/wasm"
 * ```
 */
export const MODULE_TYPES: readonly string[] = [
  "application/wasm",
  "application/octet-stream",
];

/**
 * Middleware that refuses (415 `unsupported_media_type`, listing
 * `accepted`) a request whose `Content-Type` media type, parameters aside,
 * is missing or not one of `accepted`.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { MODULE_TYPES, requireContentType } from "./content_type.ts";
 * const app = new Hono().put("/v1/modules", requireContentType(MODULE_TYPES), (c) => c.text("ok"));
 * ```
 */
export function requireContentType(
  accepted: readonly string[],
): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("content-type");
    const type = header?.split(";")[0].trim().toLowerCase();
    if (!type || !accepted.includes(type)) {
      await c.req.raw.body?.cancel().catch(() => {});
      throw new RequestError(
        "unsupported_media_type",
        `${c.req.method} ${c.req.path} takes Content-Type ${
          accepted.join(", ")
        }; got ${header === undefined ? "none" : `'${header}'`}`,
        { accepted },
      );
    }
    await next();
  };
}
