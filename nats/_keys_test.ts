// Beside the file it tests, as Deno's std does: `_keys.ts` is private to
// nats/, so its test lives here rather than importing it from tests/.
import assert from "node:assert/strict";
import { decodeKey, encodeKey } from "./_keys.ts";

Deno.test("state keys travel as NATS subject tokens and come back whole", () => {
  const keys = ["s1", "cart-1.json", "a..b", "=", "x=2E", "é", ".hidden", "-_"];
  for (const key of keys) {
    const encoded = encodeKey(key);
    assert.match(encoded, /^[-_/A-Za-z0-9=]+$/, key);
    assert.equal(decodeKey(encoded), key);
  }
  assert.equal(new Set(keys.map(encodeKey)).size, keys.length);
});
