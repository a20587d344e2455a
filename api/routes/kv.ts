/**
 * Operators' access to function state: `GET /v1/kv/:bucket` (keys, paged),
 * `GET|PUT|DELETE /v1/kv/:bucket/:key`. A value's revision is its `ETag`;
 * `If-Match: "<revision>"` makes a PUT or DELETE a compare-and-swap (412
 * `revision_mismatch` when it changed) and `If-None-Match: *` a PUT that
 * only creates. Values are bytes, at most 1 MiB: a PUT takes
 * `application/octet-stream` or any other media type except the three a
 * web page may send across origins unasked (`text/plain`,
 * `application/x-www-form-urlencoded`, `multipart/form-data`); GET answers
 * `application/octet-stream`.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { EddyNode } from "../../node/node.ts";
import { RequestError } from "../../runtime/errors.ts";
import { MAX_VALUE_BYTES } from "../../runtime/wasi/mod.ts";
import { checkKey, StateError } from "../../state/mod.ts";
import { limitBody } from "../body.ts";
import { requiredBody } from "../openapi/content.ts";
import {
  ANY_REQUEST,
  errorResponses,
  MANAGEMENT,
  TYPED_BODY,
  WRITE,
} from "../openapi/errors.ts";
import { BinarySchema } from "../openapi/schemas.ts";

const bucketParam = z.object({ bucket: z.string() });
const keyParams = z.object({ bucket: z.string(), key: z.string() });
const conditionHeaders = z.object({
  "if-match": z.string().optional().openapi({
    description: "Write only if the key is at this revision (its ETag)",
  }),
});
const written = z.object({
  bucket: z.string(),
  key: z.string(),
  revision: z.string(),
});
const KEY_ERRORS = ["invalid_bucket", "invalid_key"];

const listRoute = createRoute({
  method: "get",
  path: "/{bucket}",
  summary: "A bucket's keys, in order, a page at a time",
  tags: ["state"],
  request: {
    params: bucketParam,
    query: z.object({
      prefix: z.string().optional(),
      after: z.string().optional(),
      limit: z.string().optional().openapi({ example: "1000" }),
    }),
  },
  responses: {
    200: {
      description: "Keys; `next` is the `after` of the next page",
      content: {
        "application/json": {
          schema: z.object({
            bucket: z.string(),
            keys: z.array(z.string()),
            next: z.string().optional(),
          }),
        },
      },
    },
    ...errorResponses(ANY_REQUEST, MANAGEMENT, [
      "invalid_bucket",
      "invalid_query",
    ]),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/{bucket}/{key}",
  summary: "A key's value (its revision is the ETag)",
  tags: ["state"],
  request: { params: keyParams },
  responses: {
    200: {
      description: "The value",
      content: { "application/octet-stream": { schema: BinarySchema } },
    },
    ...errorResponses(ANY_REQUEST, MANAGEMENT, KEY_ERRORS, ["key_not_found"]),
  },
});

const putRoute = createRoute({
  method: "put",
  path: "/{bucket}/{key}",
  summary:
    "Writes a key (If-Match: compare-and-swap; If-None-Match: * creates only)",
  tags: ["state"],
  request: {
    params: keyParams,
    headers: conditionHeaders.extend({
      "if-none-match": z.string().optional(),
    }),
    body: requiredBody(
      ["application/octet-stream"],
      BinarySchema,
      "The value, at most 1 MiB",
    ),
  },
  middleware: [limitBody(MAX_VALUE_BYTES, "value_too_large", "value")],
  responses: {
    200: {
      description: "Written; its revision (also the ETag)",
      content: { "application/json": { schema: written } },
    },
    ...errorResponses(ANY_REQUEST, MANAGEMENT, WRITE, TYPED_BODY, KEY_ERRORS, [
      "invalid_revision",
      "revision_mismatch",
      "value_too_large",
      "state_unavailable",
    ]),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/{bucket}/{key}",
  summary: "Deletes a key (If-Match: only at that revision)",
  tags: ["state"],
  request: { params: keyParams, headers: conditionHeaders },
  responses: {
    200: {
      description: "Deleted (or was not there)",
      content: {
        "application/json": {
          schema: z.object({
            bucket: z.string(),
            key: z.string(),
            deleted: z.literal(true),
          }),
        },
      },
    },
    ...errorResponses(ANY_REQUEST, MANAGEMENT, WRITE, KEY_ERRORS, [
      "invalid_revision",
      "revision_mismatch",
      "state_unavailable",
    ]),
  },
});

/** Media types a page can send cross-origin without a preflight. */
const SIMPLE_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
];

/**
 * The `/v1/kv` routes.
 *
 * @example
 * ```ts ignore
 * app.route("/v1/kv", kvRoutes(node));
 * ```
 */
export function kvRoutes(node: EddyNode): OpenAPIHono {
  const state = node.state;
  const bucketOf = async (c: Context) =>
    (await state.store()).bucket(c.req.param("bucket")!);
  const keyOf = (c: Context) => {
    const key = c.req.param("key")!;
    checkKey(key);
    return key;
  };
  return new OpenAPIHono()
    .openapi(listRoute, async (c) => {
      const bucket = await bucketOf(c);
      const limit = c.req.query("limit");
      if (limit !== undefined && !/^[1-9][0-9]{0,4}$/.test(limit)) {
        throw new RequestError(
          "invalid_query",
          `limit must be a whole number from 1 to 10000; got '${limit}'`,
        );
      }
      state.reads++;
      const page = await bucket.list({
        prefix: c.req.query("prefix"),
        after: c.req.query("after"),
        limit: limit === undefined ? undefined : Number(limit),
      });
      return c.json({ bucket: bucket.name, ...page }, 200);
    })
    .openapi(getRoute, async (c) => {
      const bucket = await bucketOf(c);
      const key = keyOf(c);
      state.reads++;
      const entry = await bucket.get(key);
      if (!entry) throw notFound(bucket.name, key);
      return c.body(entry.value as Uint8Array<ArrayBuffer>, 200, {
        "content-type": "application/octet-stream",
        etag: `"${entry.revision}"`,
        "last-modified": new Date(entry.updatedAt).toUTCString(),
      });
    })
    .openapi(putRoute, async (c) => {
      const bucket = await bucketOf(c);
      const key = keyOf(c);
      await requireValueType(c);
      const value = new Uint8Array(await c.req.arrayBuffer());
      const expected = condition(c);
      state.writes++;
      const revision = expected === undefined
        ? await bucket.put(key, value)
        : await bucket.cas(key, value, expected);
      if (revision === undefined) throw mismatch(bucket.name, key, expected!);
      c.header("etag", `"${revision}"`);
      return c.json({ bucket: bucket.name, key, revision }, 200);
    })
    .openapi(deleteRoute, async (c) => {
      const bucket = await bucketOf(c);
      const key = keyOf(c);
      const expected = condition(c);
      state.writes++;
      if (expected === undefined) await bucket.delete(key);
      else if (await bucket.cas(key, null, expected) === undefined) {
        throw mismatch(bucket.name, key, expected);
      }
      return c.json({ bucket: bucket.name, key, deleted: true as const }, 200);
    });
}

/** The revision a write is conditional on: undefined none, null "must not exist". */
function condition(c: Context): string | null | undefined {
  const match = c.req.header("if-match");
  if (match !== undefined) {
    const revision = /^\s*"?([1-9][0-9]{0,19})"?\s*$/.exec(match)?.[1];
    if (!revision || BigInt(revision) >= 1n << 64n) {
      throw new StateError(
        "invalid_revision",
        `If-Match must be one revision as the ETag gives it, such as "42"; got '${match}'`,
        { header: "if-match" },
      );
    }
    return revision;
  }
  if (c.req.header("if-none-match")?.trim() === "*") return null;
  return undefined;
}

async function requireValueType(c: Context): Promise<void> {
  const header = c.req.header("content-type");
  const type = header?.split(";")[0].trim().toLowerCase();
  if (type && !SIMPLE_TYPES.includes(type)) return;
  await c.req.raw.body?.cancel().catch(() => {});
  throw new RequestError(
    "unsupported_media_type",
    `PUT ${c.req.path} takes a value as application/octet-stream (or any type but ${
      SIMPLE_TYPES.join(", ")
    }); got ${header === undefined ? "none" : `'${header}'`}`,
    { accepted: ["application/octet-stream"] },
  );
}

function notFound(bucket: string, key: string): StateError {
  return new StateError(
    "key_not_found",
    `no key '${key}' in bucket '${bucket}'`,
    { bucket, key },
  );
}

function mismatch(
  bucket: string,
  key: string,
  expected: string | null,
): StateError {
  return new StateError(
    "revision_mismatch",
    expected === null
      ? `key '${key}' in bucket '${bucket}' already exists`
      : `key '${key}' in bucket '${bucket}' is no longer at revision ${expected}`,
    { bucket, key, expected },
  );
}
