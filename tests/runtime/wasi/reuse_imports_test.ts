import assert from "node:assert/strict";
import { wasiBinding, WasiHost } from "../../../runtime/wasi/mod.ts";
import { runWat } from "./_guest.ts";

// Prints its argv buffer, then echoes up to 64 bytes of stdin.
const ARGS_THEN_STDIN = `
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (drop (call $args_get (i32.const 16) (i32.const 256)))
    (i32.store (i32.const 8) (i32.const 256))
    (i32.store (i32.const 12) (i32.load (i32.const 4)))
    (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 100)))
    (i32.store (i32.const 8) (i32.const 1024))
    (i32.store (i32.const 12) (i32.const 64))
    (drop (call $fd_read (i32.const 0) (i32.const 8) (i32.const 1) (i32.const 100)))
    (i32.store (i32.const 12) (i32.load (i32.const 100)))
    (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 100))))`;

Deno.test("runs that reuse imports each see only their own args and stdin", () => {
  const seen = new Set<WebAssembly.Imports>();
  for (let i = 0; i < 50; i++) {
    const stdin = new TextEncoder().encode(`input ${i}`);
    const { code, stdout, host } = runWat(ARGS_THEN_STDIN, {
      args: [`run-${i}`, "x".repeat(i % 7)],
      stdin,
      reuseImports: true,
    });
    assert.equal(code, 0);
    assert.equal(stdout, `run-${i}\0${"x".repeat(i % 7)}\0input ${i}`);
    seen.add(host.imports);
  }
  // Runs in turn share one binding: nothing is rebuilt per run.
  assert.equal(seen.size, 1);
});

Deno.test("a host that sleeps or was not asked to reuse builds its own imports", () => {
  const shared = runWat(ARGS_THEN_STDIN, { reuseImports: true }).host.imports;
  const own = runWat(ARGS_THEN_STDIN).host.imports;
  const sleeping = new WasiHost({
    reuseImports: true,
    sleep: () => Promise.resolve(),
  }).imports;
  assert.notEqual(own, shared);
  assert.notEqual(sleeping, shared);
});

Deno.test("a trapping run gives its binding back clean", () => {
  const trap = runWat.bind(
    null,
    `(memory (export "memory") 1) (func (export "_start") unreachable)`,
  );
  assert.throws(() => trap({ args: ["secret"], reuseImports: true }));
  const { stdout } = runWat(ARGS_THEN_STDIN, {
    args: ["next"],
    reuseImports: true,
  });
  assert.equal(stdout, "next\0");
});

Deno.test("a caller's own binding serves each of its hosts and never joins the isolate's", () => {
  const binding = wasiBinding();
  for (let i = 0; i < 3; i++) {
    const { code, stdout, host } = runWat(ARGS_THEN_STDIN, {
      binding,
      args: [`run-${i}`],
    });
    assert.equal(code, 0);
    assert.equal(stdout, `run-${i}\0`);
    assert.equal(host.imports, binding.imports);
  }
  // The isolate's runs that reuse imports never get the caller's.
  for (let i = 0; i < 3; i++) {
    const shared = runWat(ARGS_THEN_STDIN, { reuseImports: true });
    assert.notEqual(shared.host.imports, binding.imports);
  }
  // Its instance's imports cannot wait: a guest that suspends is refused.
  assert.throws(
    () => new WasiHost({ binding, sleep: () => Promise.resolve() }),
    TypeError,
  );
});
