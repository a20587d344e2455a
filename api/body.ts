/**
 * Reading request bodies with a size cap, so that an oversized upload is
 * refused as soon as it is known to be too big, not after it is buffered.
 *
 * @module
 */

/**
 * Reads the whole body of `request`, throwing `tooLarge(size)` as soon as it
 * exceeds `limit` bytes (from Content-Length when given, else while
 * streaming).
 *
 * @example
 * ```ts
 * import { readBody } from "./body.ts";
 * const bytes = await readBody(new Request("http://x", { method: "POST", body: "hi" }), 10, () => new Error("too big"));
 * console.log(bytes.length); // 2
 * ```
 */
export async function readBody(
  request: Request,
  limit: number,
  tooLarge: (size: number) => Error,
): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limit) {
    await request.body?.cancel();
    throw tooLarge(declared);
  }
  if (!request.body) return new Uint8Array();
  if (Number.isFinite(declared)) {
    const bytes = await request.bytes();
    if (bytes.byteLength > limit) throw tooLarge(bytes.byteLength);
    return bytes;
  }
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.byteLength;
    if (size > limit) {
      await request.body.cancel().catch(() => {});
      throw tooLarge(size);
    }
    chunks.push(chunk);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
