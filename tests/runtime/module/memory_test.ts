import assert from "node:assert/strict";
import { ModuleError } from "../../../runtime/errors.ts";
import {
  MAX_PAGES,
  MEMORY_IMPORT,
  pagesWithin,
  readDefinedMemory,
  withImportedMemory,
  withMemoryLimit,
} from "../../../runtime/module/mod.ts";
import { wat } from "../../_helpers/wat.ts";
import { caught, guest, instantiate } from "../../_helpers/module_guest.ts";
import { statusOf } from "../../../api/status.ts";

const HEADER = [0, 97, 115, 109, 1, 0, 0, 0];

/** A module that is only a memory section with `payload`. */
function memorySection(...payload: number[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array([...HEADER, 5, payload.length, ...payload]);
}

async function moduleError(fn: () => unknown): Promise<ModuleError> {
  const error = await caught(fn);
  assert.ok(error instanceof ModuleError, String(error));
  assert.equal(error.code, "invalid_module");
  assert.equal(statusOf(error), 400);
  return error;
}

Deno.test("readDefinedMemory reads initial and maximum pages", () => {
  assert.deepEqual(readDefinedMemory(guest({ initialPages: 3 })), {
    limits: { initialPages: 3 },
    problems: [],
  });
  assert.deepEqual(
    readDefinedMemory(guest({ initialPages: 2, maxPages: 10 })),
    {
      limits: { initialPages: 2, maxPages: 10 },
      problems: [],
    },
  );
});

Deno.test("readDefinedMemory reads padded (non-minimal) LEB128 integers", () => {
  // min 1 as 0x81 0x00, max 300 as 0xac 0x82 0x00
  assert.deepEqual(
    readDefinedMemory(memorySection(1, 1, 0x81, 0x00, 0xac, 0x82, 0x00)),
    {
      limits: { initialPages: 1, maxPages: 300 },
      problems: [],
    },
  );
});

Deno.test("readDefinedMemory finds no memory in a module without one", () => {
  assert.deepEqual(readDefinedMemory(wat("(module)")), { problems: [] });
  assert.deepEqual(readDefinedMemory(memorySection(0)), { problems: [] });
  const imported = wat(`(module (import "env" "memory" (memory 1)))`);
  assert.deepEqual(readDefinedMemory(imported), { problems: [] });
});

Deno.test("readDefinedMemory refuses shared, 64-bit, unknown-flag and several memories", () => {
  assert.deepEqual(readDefinedMemory(memorySection(1, 0x03, 1, 1)).problems, [
    "memory is shared (threads); eddy supports unshared memory",
  ]);
  assert.deepEqual(readDefinedMemory(memorySection(1, 0x04, 1)).problems, [
    "memory is 64-bit (memory64); eddy supports 32-bit memory",
  ]);
  assert.deepEqual(readDefinedMemory(memorySection(1, 0x08, 1, 16)).problems, [
    "memory has unsupported limits flags 0x8",
  ]);
  assert.deepEqual(readDefinedMemory(memorySection(2, 0, 1, 0, 1)).problems, [
    "defines 2 memories; eddy supports exactly one",
  ]);
});

Deno.test("readDefinedMemory reports broken framing as a ModuleError", async () => {
  const truncated = new Uint8Array([...HEADER, 5, 9, 1, 0]);
  const error = await moduleError(() => readDefinedMemory(truncated));
  assert.deepEqual(error.problems, [
    "malformed module: section 5 extends past the end",
  ]);
  const trailing = await moduleError(() =>
    readDefinedMemory(memorySection(1, 0, 1, 7))
  );
  assert.deepEqual(trailing.problems, [
    "malformed module: memory section has trailing bytes",
  ]);
  const notWasm = await moduleError(() =>
    readDefinedMemory(new Uint8Array([1, 2, 3]))
  );
  assert.deepEqual(notWasm.problems, ["malformed module: not a wasm module"]);
});

Deno.test("withMemoryLimit adds a maximum where there is none; grow fails past it", async () => {
  const bytes = guest({ initialPages: 1 });
  const limited = withMemoryLimit(bytes, 4);
  assert.deepEqual(readDefinedMemory(limited).limits, {
    initialPages: 1,
    maxPages: 4,
  });
  const exports = instantiate(await WebAssembly.compile(limited));
  assert.equal(exports.grow(3), 1);
  assert.equal(exports.grow(1), -1);
  assert.throws(() => exports.memory.grow(1), RangeError);
  // The sections after the memory section survived the rewrite.
  assert.equal(exports.peek(), "h".charCodeAt(0));
  // Unlimited, the same module grows well past that.
  assert.equal(instantiate(await WebAssembly.compile(bytes)).grow(16), 1);
});

Deno.test("withMemoryLimit lowers a larger declared maximum", async () => {
  const limited = withMemoryLimit(
    guest({ initialPages: 2, maxPages: 1000 }),
    3,
  );
  assert.deepEqual(readDefinedMemory(limited).limits, {
    initialPages: 2,
    maxPages: 3,
  });
  const exports = instantiate(await WebAssembly.compile(limited));
  assert.equal(exports.grow(1), 2);
  assert.equal(exports.grow(1), -1);
});

Deno.test("withMemoryLimit returns the bytes unchanged when the maximum already fits", () => {
  const bytes = guest({ initialPages: 1, maxPages: 2 });
  assert.equal(withMemoryLimit(bytes, 2), bytes);
  assert.equal(withMemoryLimit(bytes, 100), bytes);
});

Deno.test("withMemoryLimit re-encodes the section size when the integers get longer", async () => {
  // 1-byte min, no max (section payload 3 bytes) → 3-byte max 65536 (payload 6 bytes).
  const bytes = guest({ initialPages: 1 });
  const limited = withMemoryLimit(bytes, MAX_PAGES);
  assert.equal(limited.length, bytes.length + 3);
  assert.deepEqual(readDefinedMemory(limited).limits, {
    initialPages: 1,
    maxPages: MAX_PAGES,
  });
  assert.equal(
    instantiate(await WebAssembly.compile(limited)).peek(),
    "h".charCodeAt(0),
  );
  // A padded encoding comes out minimal, and the module still compiles.
  const padded = memorySection(1, 1, 0x81, 0x80, 0x80, 0x00, 0x8a, 0x00);
  const rewritten = withMemoryLimit(padded, 5);
  assert.deepEqual([...rewritten.subarray(8)], [5, 4, 1, 1, 1, 5]);
  await WebAssembly.compile(rewritten);
});

Deno.test("withMemoryLimit refuses a module whose initial memory exceeds the limit", async () => {
  const error = await moduleError(() =>
    withMemoryLimit(guest({ initialPages: 32 }), 16)
  );
  assert.deepEqual(error.problems, [
    "module needs 2 MiB initial memory, limit is 1 MiB",
  ]);
  assert.equal(
    error.message,
    "invalid module: module needs 2 MiB initial memory, limit is 1 MiB",
  );
  // Exactly at the limit is fine.
  assert.deepEqual(
    readDefinedMemory(withMemoryLimit(guest({ initialPages: 16 }), 16)).limits,
    {
      initialPages: 16,
      maxPages: 16,
    },
  );
});

Deno.test("withMemoryLimit refuses modules without a plain memory of their own", async () => {
  const none = await moduleError(() => withMemoryLimit(wat("(module)"), 4));
  assert.deepEqual(none.problems, [
    "defines no memory of its own, so its memory cannot be limited",
  ]);
  const imported = await moduleError(() =>
    withMemoryLimit(wat(`(module (import "env" "memory" (memory 1)))`), 4)
  );
  assert.deepEqual(imported.problems, [
    "defines no memory of its own, so its memory cannot be limited",
  ]);
  const shared = await moduleError(() =>
    withMemoryLimit(memorySection(1, 0x03, 1, 1), 4)
  );
  assert.deepEqual(shared.problems, [
    "memory is shared (threads); eddy supports unshared memory",
  ]);
  const wide = await moduleError(() =>
    withMemoryLimit(memorySection(1, 0x05, 1, 2), 4)
  );
  assert.deepEqual(wide.problems, [
    "memory is 64-bit (memory64); eddy supports 32-bit memory",
  ]);
});

Deno.test("withMemoryLimit rejects a page count outside 0..65536", () => {
  for (const pages of [-1, 1.5, MAX_PAGES + 1, NaN]) {
    assert.throws(() => withMemoryLimit(guest(), pages), RangeError);
  }
  assert.deepEqual(
    readDefinedMemory(withMemoryLimit(memorySection(1, 0, 0), 0)).limits,
    {
      initialPages: 0,
      maxPages: 0,
    },
  );
});

Deno.test("pagesWithin rounds a byte limit down to whole pages, at most 4 GiB", () => {
  assert.equal(pagesWithin(0), 0);
  assert.equal(pagesWithin(65535), 0);
  assert.equal(pagesWithin(65536), 1);
  assert.equal(pagesWithin(1024 * 1024 + 1), 16);
  assert.equal(pagesWithin(4 * 1024 ** 3), MAX_PAGES);
  assert.equal(pagesWithin(8 * 1024 ** 3), MAX_PAGES);
});

Deno.test("withImportedMemory turns the defined memory into a capped import", () => {
  for (
    const bytes of [
      guest({ initialPages: 2, tag: "with imports" }),
      wat(`(module
        (memory (export "memory") 1)
        (data (i32.const 16) "x")
        (func (export "_start"))
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
        (func (export "peek") (result i32) (i32.load8_u (i32.const 16))))`),
    ]
  ) {
    const { bytes: rewritten, memory } = withImportedMemory(bytes, 4);
    assert.equal(readDefinedMemory(rewritten).limits, undefined);
    const module = new WebAssembly.Module(rewritten);
    assert.deepEqual(WebAssembly.Module.imports(module).at(-1), {
      module: MEMORY_IMPORT.module,
      name: MEMORY_IMPORT.name,
      kind: "memory",
    });
    const exports = instantiate({ module, memory });
    assert.equal(exports.memory.buffer.byteLength, memory.initialPages * 65536);
    assert.notEqual(exports.peek(), 0, "data segments land in the import");
    assert.equal(exports.grow(4 - memory.initialPages), memory.initialPages);
    assert.equal(exports.grow(1), -1);
  }
});

Deno.test("withImportedMemory refuses what withMemoryLimit refuses", async () => {
  const error = await moduleError(() =>
    withImportedMemory(guest({ initialPages: 8 }), 4)
  );
  assert.match(error.problems[0], /initial memory/);
});
