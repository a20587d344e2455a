import assert from "node:assert/strict";
import { decodeKey, encodeKey } from "../../nats/_keys.ts";
import { kvBucketName } from "../../nats/store.ts";

Deno.test("state keys travel as NATS subject tokens and come back whole", () => {
  const keys = ["s1", "cart-1.json", "a..b", "=", "x=2E", "é", ".hidden", "-_"];
  for (const key of keys) {
    const encoded = encodeKey(key);
    assert.match(encoded, /^[-_/A-Za-z0-9=]+$/, key);
    assert.equal(decodeKey(encoded), key);
  }
  assert.equal(new Set(keys.map(encodeKey)).size, keys.length);
});

Deno.test("bucket names map one to one onto KV bucket names", () => {
  const names = ["carts", "sensors.v2", "sensors_dv2", "a_b", "a.b", "a__b"];
  const mapped = names.map(kvBucketName);
  for (const m of mapped) assert.match(m, /^[-\w]+$/);
  assert.equal(new Set(mapped).size, names.length);
});
