import assert from "node:assert/strict";
import { decodeKey, encodeKey } from "../../nats/_keys.ts";

Deno.test("state keys travel as NATS subject tokens and come back whole", () => {
  const keys = ["s1", "cart-1.json", "a..b", "=", "x=2E", "é", ".hidden", "-_"];
  for (const key of keys) {
    const encoded = encodeKey(key);
    assert.match(encoded, /^[-_/A-Za-z0-9=]+$/, key);
    assert.equal(decodeKey(encoded), key);
  }
  assert.equal(new Set(keys.map(encodeKey)).size, keys.length);
});
