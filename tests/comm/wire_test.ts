import assert from "node:assert/strict";
import {
  type Frame,
  FrameReader,
  FrameWriter,
  PeerError,
} from "../../comm/mod.ts";
import {
  encodeHead,
  FRAME_HEAD_BYTES,
  FRAME_MAGIC,
  FRAME_VERSION,
} from "../../comm/wire.ts";
import { concatBytes } from "../../runtime/bytes.ts";

/** A source that hands out `bytes` in reads of at most `step` bytes. */
function source(bytes: Uint8Array, step = Infinity) {
  let at = 0;
  return {
    reads: 0,
    read(into: Uint8Array): Promise<number | null> {
      if (at >= bytes.byteLength) return Promise.resolve(null);
      const n = Math.min(into.byteLength, step, bytes.byteLength - at);
      into.set(bytes.subarray(at, at + n));
      at += n;
      this.reads++;
      return Promise.resolve(n);
    },
  };
}

/** A sink that records every write (copied) and can cap each write's size. */
function sink(maxWrite = Infinity) {
  const writes: Uint8Array[] = [];
  const originals: Uint8Array[] = [];
  return {
    writes,
    originals,
    write(bytes: Uint8Array): Promise<number> {
      const n = Math.min(bytes.byteLength, maxWrite);
      originals.push(bytes);
      writes.push(bytes.slice(0, n));
      return Promise.resolve(n);
    },
    bytes(): Uint8Array {
      return concatBytes(writes);
    },
  };
}

const text = (s: string) => new TextEncoder().encode(s);

const frames: Frame[] = [
  {
    kind: "request",
    id: 1,
    message: { target: "f", headers: {}, payload: new Uint8Array() },
  },
  {
    kind: "request",
    id: 2,
    message: {
      target: "wf/step-2",
      headers: { "X-Case": "Kept", city: "Zürich ✓", empty: "" },
      payload: text("hello"),
    },
  },
  {
    kind: "response",
    id: 2,
    message: { status: 201, headers: { a: "b" }, payload: text("done") },
  },
  {
    kind: "response",
    id: 0xffffffff,
    message: {
      status: 500,
      headers: {},
      payload: Uint8Array.from({ length: 70_000 }, (_, i) => i * 7),
    },
  },
  { kind: "cancel", id: 2 },
];

/** A frame's payload; a cancel frame has none. */
const payloadOf = (frame: Frame | null) =>
  frame && frame.kind !== "cancel" ? frame.message.payload : undefined;

async function encodeAll(list: Frame[]): Promise<Uint8Array> {
  const out = sink();
  const writer = new FrameWriter(out);
  await Promise.all(list.map((f) => writer.write(f)));
  return out.bytes();
}

async function readAll(reader: FrameReader): Promise<Frame[]> {
  const got: Frame[] = [];
  for (let f = await reader.next(); f; f = await reader.next()) got.push(f);
  return got;
}

Deno.test("frames round-trip when every read returns one byte", async () => {
  const bytes = await encodeAll(frames);
  const src = source(bytes, 1);
  assert.deepEqual(await readAll(new FrameReader(src, { peer: "t" })), frames);
  assert.ok(src.reads >= bytes.byteLength);
});

Deno.test("frames round-trip when one read holds them all", async () => {
  const bytes = await encodeAll(frames);
  const src = source(bytes);
  assert.deepEqual(await readAll(new FrameReader(src, { peer: "t" })), frames);
  // Heads and small frames come from the read buffer; the 70 KB payload
  // needs one more read straight into it.
  assert.ok(src.reads <= 3, `${src.reads} reads`);
});

Deno.test("frames round-trip over reads of odd sizes", async () => {
  const many = Array.from({ length: 50 }, (_, i) => frames[i % frames.length]);
  const bytes = await encodeAll(many);
  for (const step of [2, 7, 23, 24, 25, 4096, 65_537]) {
    const reader = new FrameReader(source(bytes, step), {
      peer: "t",
      bufferBytes: 100,
    });
    assert.deepEqual(await readAll(reader), many, `step ${step}`);
  }
});

Deno.test("a payload is read straight into one buffer of its size", async () => {
  const payload = new Uint8Array(1 << 20).fill(9);
  const bytes = await encodeAll([{
    kind: "request",
    id: 5,
    message: { target: "f", headers: {}, payload },
  }]);
  const frame = await new FrameReader(source(bytes, 100_000), { peer: "t" })
    .next();
  assert.equal(payloadOf(frame)?.byteLength, 1 << 20);
  assert.equal(payloadOf(frame)?.buffer.byteLength, 1 << 20);
  assert.deepEqual(payloadOf(frame), payload);
});

function expectProtocol(problem: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof PeerError, String(e));
    assert.equal(e.code, "peer_protocol");
    assert.equal(e.peer, "peer-x");
    assert.match(e.message, problem);
    return true;
  };
}

Deno.test("bad magic, version and kind are protocol errors", async () => {
  const good = encodeHead(frames[1]);
  const cases: [number, number, RegExp][] = [
    [0, 0x48, /bad magic 0x48646479/],
    [4, 9, /unsupported frame version 9/],
    [5, 9, /unknown frame kind 9/],
  ];
  for (const [offset, value, problem] of cases) {
    const bad = good.slice();
    bad[offset] = value;
    await assert.rejects(
      new FrameReader(source(bad), { peer: "peer-x" }).next(),
      expectProtocol(problem),
    );
  }
  await assert.rejects(
    new FrameReader(source(text("GET / HTTP/1.1\r\nHost: x\r\n\r\n")), {
      peer: "peer-x",
    }).next(),
    expectProtocol(/bad magic/),
  );
});

Deno.test("oversized meta blocks and payloads are refused from the head alone", async () => {
  const head = encodeHead({
    kind: "request",
    id: 1,
    message: {
      target: "f",
      headers: { big: "x".repeat(2000) },
      payload: new Uint8Array(5000),
    },
  });
  // Only the head is there: the reader must refuse before waiting for more.
  const onlyHead = head.subarray(0, FRAME_HEAD_BYTES);
  await assert.rejects(
    new FrameReader(source(onlyHead), { peer: "peer-x", maxMetaBytes: 1000 })
      .next(),
    expectProtocol(/meta block of \d+ bytes exceeds the limit of 1000/),
  );
  await assert.rejects(
    new FrameReader(source(onlyHead), { peer: "peer-x", maxPayloadBytes: 4096 })
      .next(),
    expectProtocol(/payload of 5000 bytes exceeds the limit of 4096/),
  );
  // A 2^40-byte payload is refused by the default 1 GiB limit, not allocated.
  const huge = onlyHead.slice();
  new DataView(huge.buffer).setUint32(16, 256);
  await assert.rejects(
    new FrameReader(source(huge), { peer: "peer-x" }).next(),
    expectProtocol(
      /payload of 1099511632776 bytes exceeds the limit of 1073741824/,
    ),
  );
});

Deno.test("malformed meta blocks are protocol errors", async () => {
  const metas = [
    ["not json", /not UTF-8 JSON/],
    ['"a string"', /not a JSON object/],
    ['{"target":"f"}', /no headers/],
    ['{"target":"f","headers":{"a":1}}', /header a is not a string/],
    ['{"headers":{}}', /no string target/],
  ] as const;
  for (const [meta, problem] of metas) {
    const block = text(meta);
    const frame = new Uint8Array(FRAME_HEAD_BYTES + block.byteLength);
    const view = new DataView(frame.buffer);
    view.setUint32(0, FRAME_MAGIC);
    view.setUint8(4, FRAME_VERSION);
    view.setUint8(5, 1);
    view.setUint32(12, block.byteLength);
    frame.set(block, FRAME_HEAD_BYTES);
    await assert.rejects(
      new FrameReader(source(frame), { peer: "peer-x" }).next(),
      expectProtocol(problem),
      meta,
    );
  }
});

Deno.test("a stream cut inside a frame is peer_unreachable; between frames it ends", async () => {
  const bytes = await encodeAll([frames[1]]);
  for (
    const cut of [
      3,
      FRAME_HEAD_BYTES,
      FRAME_HEAD_BYTES + 5,
      bytes.byteLength - 1,
    ]
  ) {
    await assert.rejects(
      new FrameReader(source(bytes.subarray(0, cut), 2), { peer: "peer-x" })
        .next(),
      (e) =>
        e instanceof PeerError && e.code === "peer_unreachable" &&
        /middle of a frame/.test(e.message),
    );
  }
  assert.equal(
    await new FrameReader(source(new Uint8Array()), { peer: "t" }).next(),
    null,
  );
});

Deno.test("the writer coalesces small frames and sends large payloads from the caller's bytes", async () => {
  const out = sink(100_000);
  const writer = new FrameWriter(out, { coalesceBytes: 4096 });
  const big = new Uint8Array(300_000).fill(1);
  const small = (id: number): Frame => ({
    kind: "response",
    id,
    message: { status: 200, headers: {}, payload: text(`answer ${id}`) },
  });
  await Promise.all([
    writer.write(small(1)),
    writer.write(small(2)),
    writer.write(small(3)),
    writer.write({
      kind: "request",
      id: 4,
      message: { target: "big", headers: {}, payload: big },
    }),
    writer.write(small(5)),
  ]);
  // 1 alone (the pump starts at once), 2+3 together, 4's head, 4's payload
  // in three partial writes of its own bytes, then 5.
  assert.equal(out.writes.length, 7);
  const payloadWrites = out.originals.filter((w) => w.buffer === big.buffer);
  assert.equal(payloadWrites.length, 3);
  const got = await readAll(
    new FrameReader(source(out.bytes()), { peer: "t" }),
  );
  assert.deepEqual(got.map((f) => f.id), [1, 2, 3, 4, 5]);
  assert.deepEqual(payloadOf(got[3]), big);
});

Deno.test("after a failed write every write rejects", async () => {
  let calls = 0;
  const broken = {
    write(): Promise<number> {
      calls++;
      return Promise.reject(new Deno.errors.BrokenPipe("gone"));
    },
  };
  const writer = new FrameWriter(broken);
  const results = await Promise.allSettled([
    writer.write(frames[0]),
    writer.write(frames[1]),
  ]);
  assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
  await assert.rejects(writer.write(frames[2]), Deno.errors.BrokenPipe);
  assert.equal(calls, 1);
});

Deno.test("payloads are read into what allocate returns, which must fit exactly", async () => {
  const bytes = await encodeAll([frames[1], frames[2]]);
  const arena = new Uint8Array(100);
  let at = 0;
  const reader = new FrameReader(source(bytes, 3), {
    peer: "t",
    allocate: (n) => arena.subarray(at, at += n),
  });
  const got = await readAll(reader);
  assert.deepEqual(got, frames.slice(1, 3));
  assert.equal(payloadOf(got[0])?.buffer, arena.buffer);
  assert.equal(new TextDecoder().decode(arena.subarray(0, 9)), "hellodone");
  await assert.rejects(
    new FrameReader(source(bytes), { peer: "t", allocate: () => arena }).next(),
    RangeError,
  );
});
