import assert from "node:assert/strict";
import { join } from "node:path";
import {
  INTERRUPT_IMPORT,
  InterruptCell,
  interruptible,
  MEMORY_IMPORT,
  withGrowHook,
  withImportedMemory,
  withInterrupts,
} from "../../../runtime/module/mod.ts";
import { REPO_ROOT } from "../../_helpers/node_process.ts";
import { wat } from "../../_helpers/wat.ts";

/**
 * `spin` loops forever; `count(n)` loops n times and returns n; `fib(n)`
 * recurses without a loop; `leaf` neither loops nor calls.
 */
const GUEST = wat(`(module
  (memory (export "memory") 1)
  (func (export "spin") (loop $l (br $l)))
  (func (export "count") (param $n i32) (result i32) (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i))
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add
        (call $fib (i32.sub (local.get $n) (i32.const 1)))
        (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "leaf") (result i32) (i32.const 42)))`);

interface Exports {
  spin(): void;
  count(n: number): number;
  fib(n: number): number;
  leaf(): number;
}

/** The guest with its memory imported and interrupt checks, checking `cell`. */
function instantiate(cell: InterruptCell): Exports {
  const { bytes } = withImportedMemory(GUEST, 1);
  const module = new WebAssembly.Module(withInterrupts(bytes));
  assert.ok(interruptible(module));
  return new WebAssembly.Instance(module, {
    [MEMORY_IMPORT.module]: {
      [MEMORY_IMPORT.name]: new WebAssembly.Memory({ initial: 1, maximum: 1 }),
      [INTERRUPT_IMPORT.name]: cell.memory,
    },
  }).exports as unknown as Exports;
}

/** Runs `fn` and says how it ended: its value, or "trap: <message>". */
function outcome(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (error) {
    assert.ok(error instanceof WebAssembly.RuntimeError);
    return `trap: ${error.message}`;
  }
}

Deno.test("rewritten code computes what it did while nobody asks it to stop", () => {
  const cell = new InterruptCell();
  const guest = instantiate(cell);
  cell.enter(5);
  assert.equal(guest.count(100_000), 100_000);
  assert.equal(guest.fib(20), 6765);
  assert.equal(guest.leaf(), 42);
});

Deno.test("a request for the job on the CPU stops its loops and its recursion", () => {
  const cell = new InterruptCell();
  const guest = instantiate(cell);
  cell.enter(5);
  cell.request(5);
  assert.equal(outcome(() => guest.spin()), "trap: unreachable");
  assert.equal(outcome(() => guest.count(10)), "trap: unreachable");
  assert.equal(outcome(() => guest.fib(30)), "trap: unreachable");
  // A function without loops or calls ends on its own: it has no check.
  assert.equal(guest.leaf(), 42);
  cell.clear(5);
  assert.equal(guest.count(10), 10);
});

Deno.test("a request for another job does not stop the one on the CPU", () => {
  const cell = new InterruptCell();
  const guest = instantiate(cell);
  cell.enter(5);
  cell.request(6);
  assert.equal(guest.count(100_000), 100_000);
  assert.equal(guest.fib(20), 6765);
  // Clearing a request for a job that is not the one asked for keeps it.
  cell.clear(5);
  assert.ok(cell.requested(6));
});

Deno.test("another thread's request stops a spinning guest", async () => {
  const cell = new InterruptCell();
  const guest = instantiate(cell);
  cell.enter(9);
  const worker = new Worker(
    `data:text/javascript,${
      encodeURIComponent(`self.onmessage = (e) => {
        const words = new Int32Array(e.data.buffer, 0, 2);
        setTimeout(() => { Atomics.store(words, 0, 9); self.postMessage("set"); }, 50);
      };`)
    }`,
    { type: "module" },
  );
  const set = new Promise((resolve) => worker.onmessage = resolve);
  try {
    worker.postMessage(cell.memory);
    assert.equal(outcome(() => guest.spin()), "trap: unreachable");
    await set;
  } finally {
    worker.terminate();
  }
});

Deno.test("modules the rewrite cannot take are left as they are", () => {
  // Its memory is its own: an imported one would take index 0.
  const defined = wat(
    `(module (memory 1) (func (export "_start") (loop $l (br $l))))`,
  );
  assert.equal(withInterrupts(defined), defined);
  // An instruction the walk does not know (0xfb: GC) in a function body.
  const { bytes } = withImportedMemory(defined, 1);
  assert.notEqual(withInterrupts(bytes), bytes);
  const unknown = bytes.slice();
  const loop = unknown.lastIndexOf(0x03);
  unknown[loop] = 0xfb;
  assert.equal(withInterrupts(unknown), unknown);
});

Deno.test("every example module stays valid and interruptible once rewritten", async () => {
  for await (const dir of Deno.readDir(join(REPO_ROOT, "examples"))) {
    if (!dir.isDirectory) continue;
    const path = join(REPO_ROOT, "examples", dir.name, `${dir.name}.wasm`);
    const raw = await Deno.readFile(path).catch(() => undefined);
    if (!raw) continue;
    const { bytes } = withImportedMemory(raw, 256);
    const rewritten = withInterrupts(withGrowHook(bytes));
    assert.ok(WebAssembly.validate(rewritten), `${dir.name} is invalid`);
    assert.ok(
      interruptible(new WebAssembly.Module(rewritten)),
      `${dir.name} was left as it is`,
    );
  }
});
