/**
 * Request bodies documented from the same media-type lists the routes
 * enforce (`requireContentType`), so the two cannot differ.
 *
 * @module
 */
import type { z } from "@hono/zod-openapi";

/**
 * A schema the document shows but no validator runs: for bodies that
 * their own parser checks with errors that point at a line and column
 * (manifests, workflow specs).
 *
 * @example
 * ```ts
 * import type { PlainSchema } from "./content.ts";
 * const spec: PlainSchema = { type: "string", description: "YAML or JSON" };
 * ```
 */
export interface PlainSchema {
  type: "string" | "object";
  description?: string;
}

/**
 * A required request body of any of `types`, each described by `schema`
 * (validated by the route when it is a zod schema of a JSON type).
 *
 * @example
 * ```ts
 * import { requiredBody } from "./content.ts";
 * import { BinarySchema } from "./schemas.ts";
 * const body = requiredBody(["application/wasm"], BinarySchema);
 * console.log(Object.keys(body.content)); // ["application/wasm"]
 * ```
 */
export function requiredBody(
  types: readonly string[],
  schema: z.ZodType | PlainSchema,
  description?: string,
): {
  required: true;
  description?: string;
  content: Record<string, { schema: z.ZodType | PlainSchema }>;
} {
  return {
    required: true,
    ...(description ? { description } : {}),
    content: Object.fromEntries(types.map((type) => [type, { schema }])),
  };
}
