import assert from "node:assert/strict";
import {
  type ByteSink,
  Errno,
  OutputBuffer,
  ProcExit,
} from "../../../runtime/wasi/mod.ts";
import { runWat, textOf, withGuest } from "./_guest.ts";
import { SPEC } from "./_spec.ts";
import { tempDir } from "../../_helpers/temp.ts";

const PAGE = 65536;

Deno.test("iovecs outside memory answer EFAULT and move no byte", () => {
  const stdout = new OutputBuffer();
  const input = new Uint8Array([1, 2, 3, 4]);
  withGuest({ stdout, stdin: input }, (g) => {
    g.put(100, "data");
    // The iovec array itself runs past the end.
    assert.equal(g.call("fd_write", 1, PAGE - 4, 1, 8), Errno.EFAULT);
    assert.equal(g.call("fd_write", 1, 0, 0x7fffffff, 8), Errno.EFAULT);
    assert.equal(g.call("fd_write", 1, -8, 1, 8), Errno.EFAULT);
    // First iovec fine, second past the end: nothing at all is written.
    g.iovs(0, [100, 4], [PAGE - 2, 4]);
    assert.equal(g.call("fd_write", 1, 0, 2, 8), Errno.EFAULT);
    g.iovs(0, [100, 4], [0, 0xffffffff]);
    assert.equal(g.call("fd_write", 1, 0, 2, 8), Errno.EFAULT);
    g.iovs(0, [-16, 4]);
    assert.equal(g.call("fd_write", 1, 0, 1, 8), Errno.EFAULT);
    // Result pointer past the end.
    g.iovs(0, [100, 4]);
    assert.equal(g.call("fd_write", 1, 0, 1, PAGE - 3), Errno.EFAULT);
    // The same for reads: stdin is not consumed.
    g.iovs(0, [100, 2], [PAGE - 1, 2]);
    assert.equal(g.call("fd_read", 0, 0, 2, 8), Errno.EFAULT);
    g.iovs(0, [100, 0x7fffffff]);
    assert.equal(g.call("fd_read", 0, 0, 1, 8), Errno.EFAULT);
    g.iovs(0, [100, 4]);
    assert.equal(g.call("fd_read", 0, 0, 1, 8), Errno.ESUCCESS);
    assert.deepEqual([...g.u8.subarray(100, 104)], [1, 2, 3, 4]);
  });
  assert.equal(stdout.size, 0);
});

Deno.test("path pointers and lengths outside memory answer EFAULT", async () => {
  const dir = await tempDir();
  try {
    const preopens = [{ hostPath: dir, guestPath: "/d", writable: true }];
    withGuest({ preopens }, (g) => {
      for (
        const [ptr, len] of [
          [PAGE, 1],
          [PAGE - 3, 4],
          [0, 0xffffffff],
          [-1, 1],
          [0x7fffffff, 0x7fffffff],
        ]
      ) {
        assert.equal(
          g.call("path_create_directory", 3, ptr, len),
          Errno.EFAULT,
        );
        assert.equal(g.call("path_unlink_file", 3, ptr, len), Errno.EFAULT);
        assert.equal(
          g.call("path_open", 3, 1, ptr, len, 1, 0n, 0n, 0, 0),
          Errno.EFAULT,
        );
        assert.equal(
          g.call("path_filestat_get", 3, 1, ptr, len, 0),
          Errno.EFAULT,
        );
      }
      g.put(0, "x");
      assert.equal(
        g.call("path_filestat_get", 3, 1, 0, 1, PAGE - 63),
        Errno.EFAULT,
      );
      assert.equal(g.call("fd_prestat_dir_name", 3, PAGE - 1, 2), Errno.EFAULT);
      assert.equal(g.call("fd_fdstat_get", 1, PAGE - 23), Errno.EFAULT);
    });
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("views follow memory.grow between calls", () => {
  const stdout = new OutputBuffer();
  withGuest({ stdout }, (g) => {
    g.put(100, "low");
    g.iovs(0, [100, 3]);
    assert.equal(g.call("fd_write", 1, 0, 1, 8), Errno.ESUCCESS);
    assert.equal(g.call("fd_write", 1, 0, 1, PAGE + 8), Errno.EFAULT);
    g.grow(2);
    g.put(PAGE + 100, "high");
    g.iovs(PAGE, [PAGE + 100, 4]);
    assert.equal(g.call("fd_write", 1, PAGE, 1, PAGE + 8), Errno.ESUCCESS);
    assert.equal(g.u32(PAGE + 8), 4);
  });
  assert.equal(textOf(stdout), "lowhigh");
});

Deno.test("a WAT guest that grows its memory writes from the new pages", () => {
  const { code, stdout } = runWat(`
    (memory (export "memory") 1)
    (func (export "_start")
      (drop (memory.grow (i32.const 3)))
      (i32.store (i32.const 200000) (i32.const 0x0a6b6f)) ;; "ok\\n"
      (i32.store (i32.const 190000) (i32.const 200000))
      (i32.store (i32.const 190004) (i32.const 3))
      (call $proc_exit (call $fd_write (i32.const 1) (i32.const 190000) (i32.const 1) (i32.const 190008))))`);
  assert.equal(code, 0);
  assert.equal(stdout, "ok\n");
});

Deno.test("memory grown by a sink in the middle of fd_write is seen", () => {
  const chunks: string[] = [];
  let memory: WebAssembly.Memory | undefined;
  const sink: ByteSink = {
    write(data) {
      chunks.push(new TextDecoder().decode(data));
      memory?.grow(1); // detaches the buffer the host holds
    },
  };
  withGuest({ stdout: sink }, (g) => {
    memory = g.memory;
    g.put(100, "one");
    g.put(200, "two");
    g.iovs(0, [100, 3], [200, 3]);
    assert.equal(g.call("fd_write", 1, 0, 2, 8), Errno.ESUCCESS);
    assert.equal(g.u32(8), 6);
    assert.equal(g.memory.buffer.byteLength, 3 * PAGE);
  });
  assert.deepEqual(chunks, ["one", "two"]);
});

/** An argument value that is likely out of range or hostile. */
const NASTY_I32 = [
  0,
  1,
  -1,
  3,
  8,
  24,
  65535,
  65536,
  0x7fffffff,
  -0x80000000,
  4096,
];
const NASTY_I64 = [0n, 1n, -1n, 1n << 62n, -(1n << 63n), 4096n];

Deno.test("no import throws a host exception, whatever the arguments", async () => {
  const dir = await tempDir();
  try {
    const preopens = [{ hostPath: dir, guestPath: "/d", writable: true }];
    withGuest({ preopens, stdin: new Uint8Array(10) }, (g) => {
      let seed = 42;
      const rand = (n: number) =>
        (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
      for (const [name, sig] of Object.entries(SPEC)) {
        if (name === "proc_exit") continue;
        const params = (sig.match(/\(param ([^)]*)\)/)?.[1] ?? "").split(" ")
          .filter(Boolean);
        for (let round = 0; round < 300; round++) {
          // Zeroed memory reads as clock subscriptions with no timeout,
          // so poll_oneoff never sleeps long here.
          g.u8.fill(0);
          const args = params.map((type) =>
            type === "i64"
              ? NASTY_I64[rand(NASTY_I64.length)]
              : NASTY_I32[rand(NASTY_I32.length)]
          );
          const result = g.call(name, ...args);
          assert.equal(typeof result, "number", `${name}(${args.join(", ")})`);
          assert.ok(
            Number.isInteger(result) && result >= 0 && result <= 76,
            `${name} -> ${result}`,
          );
        }
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("proc_exit throws ProcExit (caught by start)", () => {
  withGuest({}, (g) => {
    assert.throws(() => g.call("proc_exit", 5), ProcExit);
  });
});
