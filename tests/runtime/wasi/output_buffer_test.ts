import assert from "node:assert/strict";
import { OutputBuffer, OutputLimitError } from "../../../runtime/wasi/mod.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("OutputBuffer keeps copies in one buffer; take() hands them out at their exact size", () => {
  const out = new OutputBuffer();
  const data = enc("abc");
  out.write(data);
  data.fill(0);
  out.write(enc("de"));
  assert.equal(out.size, 5);
  const all = out.bytes();
  assert.equal(new TextDecoder().decode(all), "abcde");
  assert.equal(out.bytes().buffer, all.buffer, "one buffer, no join");
  out.write(enc("f"));
  assert.equal(new TextDecoder().decode(out.bytes()), "abcdef");
  const taken = out.take();
  assert.equal(new TextDecoder().decode(taken), "abcdef");
  assert.equal(taken.buffer.byteLength, 6, "a buffer of its own, exact size");
  assert.equal(out.size, 0);
  assert.equal(new OutputBuffer().bytes().length, 0);
  assert.equal(new OutputBuffer().take().length, 0);
});

Deno.test("OutputBuffer: the next run writes into the buffer the last one gave back", () => {
  const first = new OutputBuffer();
  first.write(new Uint8Array(100_000).fill(1));
  const used = first.bytes().buffer;
  const taken = first.take();
  const second = new OutputBuffer();
  second.write(enc("next"));
  assert.equal(second.bytes().buffer, used, "reused, not allocated");
  assert.notEqual(taken.buffer, used);
  assert.ok(taken.every((b) => b === 1), "what was taken stays intact");
  assert.equal(new TextDecoder().decode(second.take()), "next");
});

Deno.test("OutputBuffer.clear drops the output and gives its buffer to the next run, uncopied", () => {
  const first = new OutputBuffer();
  first.write(enc("secret"));
  const used = first.bytes().buffer;
  first.clear();
  assert.equal(first.size, 0);
  assert.equal(first.bytes().length, 0);
  const second = new OutputBuffer();
  second.write(enc("x"));
  assert.equal(second.bytes().buffer, used, "reused, not allocated");
  assert.equal(new TextDecoder().decode(second.bytes()), "x");
});

Deno.test("OutputBuffer limit: exactly the limit fits, one more byte throws", () => {
  const out = new OutputBuffer(4);
  out.write(enc("ab"));
  out.write(enc("cd"));
  assert.throws(
    () => out.write(enc("e")),
    (e: unknown) => e instanceof OutputLimitError && e.limit === 4,
  );
  assert.equal(out.size, 4);
  assert.equal(new TextDecoder().decode(out.bytes()), "abcd");
});

Deno.test("OutputBuffer.tail gives the last bytes without a broken character", () => {
  const out = new OutputBuffer();
  out.write(enc("line one\n"));
  out.write(enc("ünïcödé tail"));
  assert.equal(out.tail(), "line one\nünïcödé tail");
  assert.equal(out.tail(4), "tail");
  // The last 12 bytes start inside "ï" (2 bytes): its half is dropped.
  assert.equal(out.tail(12), "cödé tail");
  assert.equal(out.tail(13), "ïcödé tail");
  assert.equal(new OutputBuffer().tail(), "");
});

Deno.test("past 4 MiB the buffer leaves without a copy when 3/4 full, else is the isolate's larger spare for a while", async () => {
  const piece = new Uint8Array(65536);
  const mostly = new OutputBuffer();
  for (let i = 0; i < 100; i++) mostly.write(piece.fill(i)); // 6.25 MiB
  const all = mostly.bytes();
  assert.ok(!(all.buffer as ArrayBuffer).resizable);
  const taken = mostly.take();
  assert.equal(taken.buffer, all.buffer, "handed out, not copied");
  assert.equal(taken.buffer.byteLength, 8 << 20);
  for (let i = 0; i < 100; i++) assert.equal(taken[i * 65536 + 7], i);

  const sparse = new OutputBuffer();
  for (let i = 0; i < 70; i++) sparse.write(piece.fill(i)); // 4.4 of 8 MiB
  const held = sparse.bytes().buffer;
  const copied = sparse.take();
  assert.equal(copied.buffer.byteLength, 70 * 65536, "copied at its size");
  for (let i = 0; i < 70; i++) assert.equal(copied[i * 65536 + 7], i);
  assert.equal(held.byteLength, 8 << 20, "its 8 MiB buffer kept");

  const small = new OutputBuffer();
  small.write(piece);
  assert.ok(small.bytes().buffer.byteLength <= 4 << 20, "not for a small one");
  small.take();
  const large = new OutputBuffer();
  for (let i = 0; i < 70; i++) large.write(piece.fill(i));
  assert.equal(large.bytes().buffer, held, "a large one is written in it");
  large.clear();
  await new Promise((resolve) => setTimeout(resolve, 2100));
  assert.equal(held.byteLength, 0, "freed once unused for 2 s");
});

Deno.test("a large output grows in place: bytes() is a view, never a join, take() no copy", () => {
  const out = new OutputBuffer(48 << 20);
  const piece = new Uint8Array(65536);
  for (let i = 0; i < 520; i++) out.write(piece.fill(i & 0xff));
  const all = out.bytes();
  assert.equal(all.length, 520 * 65536);
  assert.ok(
    (all.buffer as ArrayBuffer).resizable,
    "not held in one growing buffer",
  );
  for (let i = 0; i < 520; i++) assert.equal(all[i * 65536 + 123], i & 0xff);
  out.write(enc("tail!"));
  // The same buffer, grown: no copy was made for bytes() or the write.
  assert.equal(out.bytes().buffer, all.buffer);
  assert.equal(out.tail(5), "tail!");
  assert.throws(() => out.write(new Uint8Array(16 << 20)), OutputLimitError);
  const taken = out.take();
  assert.equal(taken.buffer, all.buffer, "handed out, not copied");
  assert.equal(taken.byteLength, 520 * 65536 + 5);
  assert.equal(out.size, 0);
});
