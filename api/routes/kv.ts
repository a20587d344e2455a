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
import { Hono } from "hono";
import type { Context } from "hono";
import type { EddyNode } from "../../node/node.ts";
import { RequestError } from "../../runtime/errors.ts";
import { MAX_VALUE_BYTES } from "../../runtime/wasi/mod.ts";
import { checkKey, StateError } from "../../state/mod.ts";
import { readBody } from "../body.ts";

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
export function kvRoutes(node: EddyNode): Hono {
  const state = node.state;
  const bucketOf = async (c: Context) =>
    (await state.store()).bucket(c.req.param("bucket")!);
  const keyOf = (c: Context) => {
    const key = c.req.param("key")!;
    checkKey(key);
    return key;
  };
  return new Hono()
    .get("/:bucket", async (c) => {
      const bucket = await bucketOf(c);
      const limit = c.req.query("limit");
      if (limit !== undefined && !/^[1-9][0-9]{0,4}$/.test(limit)) {
        throw new RequestError(
          "invalid_query",
          `limit must be a whole number from 1 to 10000; got '${limit}'`,
          400,
        );
      }
      state.reads++;
      const page = await bucket.list({
        prefix: c.req.query("prefix"),
        after: c.req.query("after"),
        limit: limit === undefined ? undefined : Number(limit),
      });
      return c.json({ bucket: bucket.name, ...page });
    })
    .get("/:bucket/:key", async (c) => {
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
    .put("/:bucket/:key", async (c) => {
      const bucket = await bucketOf(c);
      const key = keyOf(c);
      await requireValueType(c);
      const value = await readBody(
        c.req.raw,
        MAX_VALUE_BYTES,
        (size) =>
          new RequestError(
            "value_too_large",
            `value of ${size} bytes exceeds ${MAX_VALUE_BYTES} bytes`,
            413,
            { limit: MAX_VALUE_BYTES },
          ),
      );
      const expected = condition(c);
      state.writes++;
      const revision = expected === undefined
        ? await bucket.put(key, value)
        : await bucket.cas(key, value, expected);
      if (revision === undefined) throw mismatch(bucket.name, key, expected!);
      c.header("etag", `"${revision}"`);
      return c.json({ bucket: bucket.name, key, revision });
    })
    .delete("/:bucket/:key", async (c) => {
      const bucket = await bucketOf(c);
      const key = keyOf(c);
      const expected = condition(c);
      state.writes++;
      if (expected === undefined) await bucket.delete(key);
      else if (await bucket.cas(key, null, expected) === undefined) {
        throw mismatch(bucket.name, key, expected);
      }
      return c.json({ bucket: bucket.name, key, deleted: true });
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
    415,
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
