/**
 * The few API calls the packaging scripts make against a node: deploy a
 * module, invoke a function, and hash what came back.
 *
 * @module
 */

/**
 * Deploys `wasm` as function `name` (`PUT /v1/functions/:name`); throws
 * with the node's answer unless it is 200 or 201.
 *
 * @example
 * ```ts ignore
 * await deploy(node.url, "echo", await Deno.readFile("examples/echo/echo.wasm"));
 * ```
 */
export async function deploy(
  url: string,
  name: string,
  wasm: Uint8Array<ArrayBuffer>,
  token?: string,
): Promise<void> {
  const res = await fetch(`${url}/v1/functions/${name}`, {
    method: "PUT",
    body: wasm,
    headers: {
      "content-type": "application/wasm",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });
  const text = await res.text();
  if (res.status !== 200 && res.status !== 201) {
    throw new Error(`deploy ${name}: ${res.status} ${text}`);
  }
}

/**
 * Uploads `wasm` (`PUT /v1/modules`) and resolves to its digest; throws with
 * the node's answer unless it is 201.
 *
 * @example
 * ```ts ignore
 * const digest = await putModule(node.url, await Deno.readFile("examples/notes/notes.wasm"));
 * ```
 */
export async function putModule(
  url: string,
  wasm: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const res = await fetch(`${url}/v1/modules`, {
    method: "PUT",
    body: wasm,
    headers: { "content-type": "application/wasm" },
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${text}`);
  return JSON.parse(text).digest;
}

/**
 * Invokes `name` with `input` (`POST /invoke/:name`) and resolves to its
 * stdout; throws with the node's answer on any status but 200.
 *
 * @example
 * ```ts ignore
 * const out = await invoke(node.url, "echo", new TextEncoder().encode("hi"));
 * ```
 */
export async function invoke(
  url: string,
  name: string,
  input: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const res = await fetch(`${url}/invoke/${name}`, {
    method: "POST",
    body: input,
  });
  const out = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) {
    throw new Error(
      `invoke ${name}: ${res.status} ${new TextDecoder().decode(out)}`,
    );
  }
  return out;
}

/**
 * Hex SHA-256 of `bytes`.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./_http.ts";
 * console.log(await sha256Hex(new TextEncoder().encode("abc"))); // ba7816bf...
 * ```
 */
export async function sha256Hex(
  bytes: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return digest.toHex();
}

/**
 * `size` random bytes (getRandomValues fills at most 64 KiB per call).
 *
 * @example
 * ```ts
 * import { randomBytes } from "./_http.ts";
 * console.log(randomBytes(1 << 20).byteLength); // 1048576
 * ```
 */
export function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
  }
  return bytes;
}
