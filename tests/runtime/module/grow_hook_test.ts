import assert from "node:assert/strict";
import { join } from "node:path";
import {
  REFUSED_GROW_EXPORT,
  withGrowHook,
} from "../../../runtime/module/mod.ts";
import { REPO_ROOT } from "../../_helpers/node_process.ts";
import { wat } from "../../_helpers/wat.ts";

/** `_start` grows by `pages` and keeps what memory.grow answered at address 0. */
const GROWER = wat(`(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (global $unrelated (mut i32) (i32.const 7))
  (memory (export "memory") 1 4)
  (func (export "grow") (param $pages i32) (result i32)
    (memory.grow (local.get $pages)))
  (func (export "_start")
    (i32.store (i32.const 0) (memory.grow (i32.const 1)))))`);

function instantiate(bytes: Uint8Array<ArrayBuffer>) {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    wasi_snapshot_preview1: { proc_exit: () => {} },
  });
  const exports = instance.exports as {
    grow(pages: number): number;
    memory: WebAssembly.Memory;
  } & Record<string, unknown>;
  return {
    exports,
    refused: () => (exports[REFUSED_GROW_EXPORT] as WebAssembly.Global).value,
  };
}

Deno.test("grows behave as before and refused ones are recorded", () => {
  const hooked = withGrowHook(GROWER);
  assert.notEqual(hooked, GROWER);
  const { exports, refused } = instantiate(hooked);
  assert.equal(exports.grow(1), 1);
  assert.equal(exports.memory.buffer.byteLength, 2 * 65536);
  assert.equal(refused(), 0);
  assert.equal(exports.grow(1000), -1);
  assert.equal(refused(), 1000);
  assert.equal(exports.grow(2), 2);
  assert.equal(refused(), 1000);
});

Deno.test("a module that never grows its memory is left as it is", () => {
  const still = wat(`(module (memory 1) (func (export "_start")))`);
  assert.equal(withGrowHook(still), still);
});

Deno.test("a module already exporting the hook's name is left as it is", () => {
  const taken = wat(`(module
    (memory 1)
    (global (export "${REFUSED_GROW_EXPORT}") i32 (i32.const 0))
    (func (export "_start") (drop (memory.grow (i32.const 1)))))`);
  assert.equal(withGrowHook(taken), taken);
});

Deno.test("every example module stays valid once hooked", async () => {
  let hooked = 0;
  for await (const dir of Deno.readDir(join(REPO_ROOT, "examples"))) {
    if (!dir.isDirectory) continue;
    const path = join(REPO_ROOT, "examples", dir.name, `${dir.name}.wasm`);
    const bytes = await Deno.readFile(path).catch(() => undefined);
    if (!bytes) continue;
    const out = withGrowHook(bytes);
    assert.ok(WebAssembly.validate(out), `${dir.name} no longer validates`);
    if (out !== bytes) hooked++;
  }
  // C, Rust and AssemblyScript guests all grow their heap.
  assert.ok(hooked >= 8, `only ${hooked} examples were hooked`);
});
