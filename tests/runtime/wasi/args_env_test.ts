import assert from "node:assert/strict";
import { Errno } from "../../../runtime/wasi/mod.ts";
import { runWat, withGuest } from "./_guest.ts";

Deno.test("a WAT guest prints its argv buffer", () => {
  // args_sizes_get -> (argc @0, size @4); args_get(argv @16, buf @256);
  // then write the whole buffer (NULs included) to stdout and exit argc.
  const { code, stdout } = runWat(
    `
    (memory (export "memory") 1)
    (func (export "_start")
      (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
      (drop (call $args_get (i32.const 16) (i32.const 256)))
      (i32.store (i32.const 8) (i32.const 256))
      (i32.store (i32.const 12) (i32.load (i32.const 4)))
      (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 100)))
      (call $proc_exit (i32.load (i32.const 0))))`,
    {
      args: ["prog", "héllo", ""],
    },
  );
  assert.equal(code, 3);
  assert.equal(stdout, "prog\0héllo\0\0");
});

for (
  const [kind, sizes, get] of [
    ["args", "args_sizes_get", "args_get"],
    ["environ", "environ_sizes_get", "environ_get"],
  ] as const
) {
  Deno.test(`${kind}: pointer array and NUL-terminated strings`, () => {
    const list = kind === "args" ? ["a", "bc", "ü"] : ["K=v", "EMPTY=", "Ü=1"];
    const env = { K: "v", EMPTY: "", Ü: "1" };
    withGuest({ args: ["a", "bc", "ü"], env }, (g) => {
      assert.equal(g.call(sizes, 0, 4), Errno.ESUCCESS);
      const total = list.reduce(
        (n, s) => n + new TextEncoder().encode(s).length + 1,
        0,
      );
      assert.deepEqual([g.u32(0), g.u32(4)], [3, total]);
      assert.equal(g.call(get, 16, 512), Errno.ESUCCESS);
      const strings = [0, 1, 2].map((i) => {
        const ptr = g.u32(16 + i * 4);
        let end = ptr;
        while (g.u8[end] !== 0) end++;
        return g.text(ptr, end - ptr);
      });
      assert.deepEqual(strings, list);
      assert.equal(g.u32(16), 512);
      assert.equal(g.u8[512 + total], 0); // nothing written past the buffer
    });
  });

  Deno.test(`${kind}: pointers outside memory answer EFAULT`, () => {
    withGuest({ args: ["a"], env: { A: "1" } }, (g) => {
      assert.equal(g.call(sizes, 65536, 0), Errno.EFAULT);
      assert.equal(g.call(sizes, 0, 65533), Errno.EFAULT);
      assert.equal(g.call(sizes, -1, 0), Errno.EFAULT);
      assert.equal(g.call(get, 65534, 0), Errno.EFAULT);
      assert.equal(g.call(get, 0, 65535), Errno.EFAULT);
    });
  });
}

Deno.test("no args and no env are empty lists", () => {
  withGuest({}, (g) => {
    assert.equal(g.call("args_sizes_get", 0, 4), Errno.ESUCCESS);
    assert.deepEqual([g.u32(0), g.u32(4)], [0, 0]);
    assert.equal(g.call("environ_sizes_get", 0, 4), Errno.ESUCCESS);
    assert.deepEqual([g.u32(0), g.u32(4)], [0, 0]);
    assert.equal(g.call("args_get", 65536, 65536), Errno.ESUCCESS);
  });
});
