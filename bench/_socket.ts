/**
 * Whole-buffer reads and writes on a Deno connection, for the raw socket
 * floors.
 *
 * @module
 */

/**
 * Fills `into` from `conn`; false when the peer closed first.
 *
 * @example
 * ```ts ignore
 * const head = new Uint8Array(8);
 * if (!(await readFull(conn, head))) return;
 * ```
 */
export async function readFull(
  conn: Deno.Conn,
  into: Uint8Array,
): Promise<boolean> {
  let got = 0;
  while (got < into.byteLength) {
    const n = await conn.read(into.subarray(got));
    if (n === null) return false;
    got += n;
  }
  return true;
}

/**
 * Writes all of `bytes` to `conn`.
 *
 * @example
 * ```ts ignore
 * await writeAll(conn, new Uint8Array([1, 2, 3]));
 * ```
 */
export async function writeAll(
  conn: Deno.Conn,
  bytes: Uint8Array,
): Promise<void> {
  let sent = 0;
  while (sent < bytes.byteLength) {
    sent += await conn.write(bytes.subarray(sent));
  }
}
