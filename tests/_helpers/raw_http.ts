/**
 * HTTP/1.1 written by hand over `Deno.connect`, so that a test sends exactly
 * the `Host`, `Origin` and other headers an attacker's browser would, which
 * `fetch` does not allow.
 *
 * @module
 */

/** A request as it goes on the wire. */
export interface RawRequest {
  method: string;
  /** Path and query, sent as given (no encoding). */
  target: string;
  /** Header lines; `Host` defaults to the node's address. */
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/** What came back. */
export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * Sends one request to `url`'s host and port on a new connection and reads
 * the response until the server closes it (`Connection: close`).
 *
 * @example
 * ```ts ignore
 * const res = await rawRequest(node.url, {
 *   method: "GET",
 *   target: "/v1/functions",
 *   headers: { host: "attacker.example" },
 * });
 * ```
 */
export async function rawRequest(
  url: string,
  request: RawRequest,
): Promise<RawResponse> {
  const { hostname, port, host } = new URL(url);
  const body = typeof request.body === "string"
    ? new TextEncoder().encode(request.body)
    : request.body;
  const headers: Record<string, string> = {
    host,
    connection: "close",
    ...(body ? { "content-length": String(body.byteLength) } : {}),
    ...request.headers,
  };
  const head = `${request.method} ${request.target} HTTP/1.1\r\n` +
    Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("") +
    "\r\n";
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    await write(conn, new TextEncoder().encode(head));
    if (body) await write(conn, body);
    const raw = new Uint8Array(await new Response(conn.readable).arrayBuffer());
    return parse(raw);
  } finally {
    try {
      conn.close();
    } catch { /* the response stream closed it */ }
  }
}

async function write(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.byteLength;) {
    done += await conn.write(bytes.subarray(done));
  }
}

function parse(raw: Uint8Array): RawResponse {
  const text = new TextDecoder().decode(raw);
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) {
    throw new Error(`no HTTP response head in ${JSON.stringify(text)}`);
  }
  const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
  const headers = new Headers(
    lines.map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    }),
  );
  let body = text.slice(end + 4);
  if (headers.get("transfer-encoding") === "chunked") body = unchunk(body);
  return { status: Number(statusLine.split(" ")[1]), headers, text: body };
}

function unchunk(body: string): string {
  let out = "";
  for (let at = 0;;) {
    const lineEnd = body.indexOf("\r\n", at);
    const size = parseInt(body.slice(at, lineEnd), 16);
    if (!size) return out;
    out += body.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}
