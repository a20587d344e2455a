/**
 * The API's contract: zod schemas the routes validate with, the error
 * codes each route documents, and the OpenAPI 3.1 document made of them.
 *
 * @example
 * ```ts ignore
 * import { serveOpenApi } from "./api/openapi/mod.ts";
 * serveOpenApi(app, false); // GET /v1/openapi.json
 * ```
 *
 * @module
 */
export * from "./content.ts";
export * from "./document.ts";
export * from "./errors.ts";
export * from "./schemas.ts";
export * from "./validation.ts";
