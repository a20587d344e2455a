/**
 * State keys are file names; JetStream KV keys are subject tokens. Bytes
 * outside `[-_/A-Za-z0-9]` (dots and `=` among them) travel as `=HH`.
 *
 * @module
 */

const PLAIN = /^[-_/A-Za-z0-9]$/;

/**
 * The KV key for state key `key`.
 *
 * @example
 * ```ts
 * import { encodeKey } from "./_keys.ts";
 * console.log(encodeKey("s1.json")); // s1=2Ejson
 * ```
 */
export function encodeKey(key: string): string {
  let out = "";
  for (const ch of key) {
    if (PLAIN.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of new TextEncoder().encode(ch)) {
      out += `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }
  }
  return out;
}

/**
 * The state key a KV key stands for.
 *
 * @example
 * ```ts
 * import { decodeKey } from "./_keys.ts";
 * console.log(decodeKey("s1=2Ejson")); // s1.json
 * ```
 */
export function decodeKey(encoded: string): string {
  // Most keys have nothing escaped (a replica decodes every key it applies).
  if (!encoded.includes("=")) return encoded;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === "=") {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(encoded.charCodeAt(i));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
