import assert from "node:assert/strict";
import { join } from "node:path";
import {
  InitialState,
  prepare,
  resettable,
  RESETTABLE_EXPORT,
  withResetExports,
} from "../../../runtime/module/mod.ts";
import { REPO_ROOT } from "../../_helpers/node_process.ts";
import { wat } from "../../_helpers/wat.ts";

/**
 * Its `_start` changes all it can: the data segment's bytes, memory past
 * them and in a page it grows, and each kind of mutable global.
 */
const SCRIBBLER = wat(`(module
  (memory (export "memory") 1 4)
  (data (i32.const 64) "pristine")
  (global $count (mut i32) (i32.const 7))
  (global $wide (mut i64) (i64.const -2))
  (global $real (mut f64) (f64.const 1.5))
  (global $ref (mut externref) (ref.null extern))
  (global $fixed i32 (i32.const 3))
  (func (export "_start")
    (i64.store (i32.const 64) (i64.const -1))
    (i32.store (i32.const 60000) (i32.const 42))
    (drop (memory.grow (i32.const 1)))
    (i32.store (i32.const 70000) (i32.const 43))
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (global.set $wide (i64.const 9))
    (global.set $real (f64.const 0))))`);

function instanceOf(bytes: Uint8Array<ArrayBuffer>) {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  return {
    instance,
    run: instance.exports._start as () => void,
    memory: () =>
      new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer),
  };
}

Deno.test("an instance put back after runs holds what a new one does", () => {
  const bytes = withResetExports(SCRIBBLER);
  assert.ok(resettable(new WebAssembly.Module(bytes)));
  const fresh = instanceOf(bytes).memory().slice();
  const { instance, run, memory } = instanceOf(bytes);
  const initial = InitialState.capture(instance);
  const globals = () =>
    Object.entries(instance.exports)
      .filter(([name]) => name.startsWith("eddy:global:"))
      .map(([, g]) => (g as WebAssembly.Global).value);
  const before = globals();
  assert.deepEqual(before, [7, -2n, 1.5, null]);
  for (let round = 0; round < 3; round++) {
    run();
    assert.notDeepEqual(globals(), before);
    initial.restore();
    assert.deepEqual(globals(), before);
    const now = memory();
    // A memory cannot shrink: the pages each run grew stay, zeroed.
    assert.equal(now.length, (2 + round) * 65536);
    assert.deepEqual(now.subarray(0, 65536), fresh);
    assert.ok(now.subarray(65536).every((b) => b === 0));
  }
});

Deno.test("only mutable globals are exported, with the mark", () => {
  const module = new WebAssembly.Module(withResetExports(SCRIBBLER));
  const names = WebAssembly.Module.exports(module).map((e) => e.name);
  assert.deepEqual(names.filter((n) => n.startsWith("eddy:")), [
    RESETTABLE_EXPORT,
    "eddy:global:0",
    "eddy:global:1",
    "eddy:global:2",
    "eddy:global:3",
  ]);
});

Deno.test("a module whose instances could keep state the host cannot put back is left as it is", () => {
  const kept = {
    "a start function": `(memory 1) (func $init) (start $init)`,
    "table.set": `(memory 1) (table 1 funcref)
      (func (table.set (i32.const 0) (ref.null func)))`,
    "table.grow": `(memory 1) (table 1 funcref)
      (func (drop (table.grow (ref.null func) (i32.const 1))))`,
    "table.fill": `(memory 1) (table 1 funcref)
      (func (table.fill (i32.const 0) (ref.null func) (i32.const 1)))`,
    "table.copy": `(memory 1) (table 2 funcref)
      (func (table.copy (i32.const 0) (i32.const 1) (i32.const 1)))`,
    "table.init": `(memory 1) (table 1 funcref) (elem $e func $f) (func $f)
      (func (table.init $e (i32.const 0) (i32.const 0) (i32.const 1)))`,
    "elem.drop": `(memory 1) (elem $e func $f) (func $f) (func (elem.drop $e))`,
    "data.drop": `(memory 1) (data $d "x") (func (data.drop $d))`,
    "an imported global": `(import "env" "g" (global (mut i32)))
      (memory 1)`,
    "an imported table": `(import "env" "t" (table 1 funcref)) (memory 1)`,
    "a mutable v128 global": `(memory 1)
      (global (mut v128) (v128.const i64x2 0 0))`,
    "no memory": `(global (mut i32) (i32.const 0))`,
    "an export named as the rewrite names one": `(memory 1)
      (global (export "eddy:global:0") (mut i32) (i32.const 0))`,
  };
  for (const [what, body] of Object.entries(kept)) {
    const bytes = wat(`(module ${body} (func (export "_start")))`);
    assert.equal(withResetExports(bytes), bytes, what);
  }
  // Multi-memory, which the test's assembler does not take: a second
  // memory of the guest's own would not be put back.
  const header = [0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0];
  const start = [7, 10, 1, 6, 95, 115, 116, 97, 114, 116, 0, 0];
  const body = [10, 4, 1, 2, 0, 11];
  const twoMemories = {
    // (memory 1) (memory 1)
    "two memories": [...header, 3, 2, 1, 0, 5, 5, 2, 0, 1, 0, 1],
    // (import "env" "m" (memory 1)) (memory 1)
    "an imported memory beside its own": [
      ...header.slice(0, 14),
      ...[2, 10, 1, 3, 101, 110, 118, 1, 109, 2, 0, 1],
      ...[3, 2, 1, 0, 5, 3, 1, 0, 1],
    ],
  };
  for (const [what, sections] of Object.entries(twoMemories)) {
    const bytes = new Uint8Array([...sections, ...start, ...body]);
    assert.equal(withResetExports(bytes), bytes, what);
  }
  // Reading a table, copying memory and initialising it from a segment
  // that is never dropped change nothing that is not put back.
  const fine = wat(`(module (memory 1) (table 1 funcref) (data $d "x")
    (func (export "_start")
      (drop (table.get (i32.const 0))) (drop (table.size))
      (memory.init $d (i32.const 0) (i32.const 0) (i32.const 1))
      (memory.copy (i32.const 8) (i32.const 0) (i32.const 1))
      (memory.fill (i32.const 16) (i32.const 1) (i32.const 1))))`);
  assert.ok(resettable(new WebAssembly.Module(withResetExports(fine))));
});

Deno.test("a module marked already, or not rewritten, is not taken for resettable", () => {
  const marked = withResetExports(SCRIBBLER);
  assert.equal(withResetExports(marked), marked);
  assert.equal(resettable(new WebAssembly.Module(SCRIBBLER)), false);
});

Deno.test("every example module prepared for a node is resettable", async () => {
  const dir = join(REPO_ROOT, "examples");
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isDirectory) continue;
    const path = join(dir, entry.name, `${entry.name}.wasm`);
    const bytes = await Deno.readFile(path).catch(() => undefined);
    if (!bytes) continue;
    const module = await WebAssembly.compile(prepare(bytes, 256).bytes);
    assert.ok(resettable(module), entry.name);
  }
});
