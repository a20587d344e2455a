import assert from "node:assert/strict";
import { TailBuffer } from "../../../runtime/executor/tail_buffer.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("keeps everything while under capacity", () => {
  const t = new TailBuffer(16);
  t.write(enc("abc"));
  t.write(enc("def"));
  assert.equal(t.text(), "abcdef");
  assert.equal(t.size, 6);
});

Deno.test("keeps the last bytes across wraps and oversized writes", () => {
  const t = new TailBuffer(8);
  t.write(enc("0123456"));
  t.write(enc("789ab"));
  assert.equal(t.text(), "456789ab");
  t.write(enc("ABCDEFGHIJKLMNOP"));
  assert.equal(t.text(), "IJKLMNOP");
  assert.equal(t.size, 28);
  assert.equal(new TailBuffer(4).text(), "");
});
