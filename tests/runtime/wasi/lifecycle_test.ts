import assert from "node:assert/strict";
import { OutputBuffer, WasiHost } from "../../../runtime/wasi/mod.ts";
import { compile, runWat, withGuest } from "./_guest.ts";

Deno.test("start() returns 0 when _start returns", () => {
  assert.equal(
    runWat(`(memory (export "memory") 1) (func (export "_start"))`).code,
    0,
  );
});

Deno.test("start() returns the proc_exit code", () => {
  for (const code of [0, 1, 42, 255, 256]) {
    const body = `(memory (export "memory") 1)
      (func (export "_start") (call $proc_exit (i32.const ${code})) unreachable)`;
    assert.equal(runWat(body).code, code);
  }
  const minusOne = `(memory (export "memory") 1)
    (func (export "_start") (call $proc_exit (i32.const -1)))`;
  assert.equal(runWat(minusOne).code, 0xffffffff);
});

Deno.test("a trap is rethrown as WebAssembly.RuntimeError, output so far kept", () => {
  const stdout = new OutputBuffer();
  const body = `(memory (export "memory") 1)
    (data (i32.const 100) "before")
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 100))
      (i32.store (i32.const 4) (i32.const 6))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      unreachable)`;
  assert.throws(() => runWat(body, { stdout }), WebAssembly.RuntimeError);
  assert.equal(new TextDecoder().decode(stdout.bytes()), "before");
  const oob = `(memory (export "memory") 1)
    (func (export "_start") (drop (i32.load (i32.const 70000))))`;
  assert.throws(() => runWat(oob), WebAssembly.RuntimeError);
});

Deno.test("errors thrown inside the guest's imports propagate out of start()", () => {
  const failing = {
    write: () => {
      throw new Error("sink closed");
    },
  };
  assert.throws(
    () =>
      withGuest({ stdout: failing }, (g) => {
        g.iovs(0, [100, 1]);
        g.call("fd_write", 1, 0, 1, 8);
      }),
    /sink closed/,
  );
});

Deno.test("start() checks the exports and runs once", () => {
  const host = new WasiHost();
  const noMemory = new WebAssembly.Instance(
    compile(`(module (func (export "_start")))`),
  );
  assert.throws(() => host.start(noMemory), TypeError);
  const noStart = new WebAssembly.Instance(
    compile(`(module (memory (export "memory") 1))`),
  );
  assert.throws(() => new WasiHost().start(noStart), TypeError);
  const ok = compile(
    `(module (memory (export "memory") 1) (func (export "_start")))`,
  );
  const once = new WasiHost();
  assert.equal(once.start(new WebAssembly.Instance(ok, once.imports)), 0);
  assert.throws(
    () => once.start(new WebAssembly.Instance(ok, once.imports)),
    /already/,
  );
});

Deno.test("default stdout and stderr are OutputBuffers", () => {
  const host = new WasiHost();
  assert.ok(host.stdout instanceof OutputBuffer);
  assert.ok(host.stderr instanceof OutputBuffer);
  assert.notEqual(host.stdout, host.stderr);
});
