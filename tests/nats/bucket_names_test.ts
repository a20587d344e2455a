import assert from "node:assert/strict";
import { kvBucketName } from "../../nats/store.ts";

Deno.test("bucket names map one to one onto KV bucket names", () => {
  const names = ["carts", "sensors.v2", "sensors_dv2", "a_b", "a.b", "a__b"];
  const mapped = names.map(kvBucketName);
  for (const m of mapped) assert.match(m, /^[-\w]+$/);
  assert.equal(new Set(mapped).size, names.length);
});
