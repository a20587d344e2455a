import assert from "node:assert/strict";
import {
  type ByteSink,
  Errno,
  OutputBuffer,
  OutputLimitError,
} from "../../../runtime/wasi/mod.ts";
import { runWat, textOf, withGuest } from "./_guest.ts";

/** Echo guest reading stdin in `chunk`-byte reads into 64.., writing each. */
function echo(chunk: number): string {
  return `
    (memory (export "memory") 1)
    (func (export "_start")
      (local $n i32)
      (block $done
        (loop $again
          (i32.store (i32.const 0) (i32.const 64))
          (i32.store (i32.const 4) (i32.const ${chunk}))
          (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
          (local.set $n (i32.load (i32.const 8)))
          (br_if $done (i32.eqz (local.get $n)))
          (i32.store (i32.const 4) (local.get $n))
          (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
          (br $again))))`;
}

Deno.test("echo: stdin read in 7-byte chunks comes back whole on stdout", () => {
  const input = new TextEncoder().encode("the quick brown fox ".repeat(50));
  const { code, stdout, stderr } = runWat(echo(7), { stdin: input });
  assert.equal(code, 0);
  assert.equal(stdout, "the quick brown fox ".repeat(50));
  assert.equal(stderr, "");
});

Deno.test("stdin from a ByteSource, read until it answers 0", () => {
  let left = 10;
  const source = {
    read(into: Uint8Array): number {
      const n = Math.min(3, left, into.length);
      into.fill(120, 0, n); // "x"
      left -= n;
      return n;
    },
  };
  const { stdout } = runWat(echo(64), { stdin: source });
  assert.equal(stdout, "xxxxxxxxxx");
});

Deno.test("fd_read scatters into several iovecs and stops at the end", () => {
  withGuest({ stdin: new TextEncoder().encode("abcdefgh") }, (g) => {
    g.iovs(0, [100, 3], [200, 0], [300, 4], [400, 10]);
    assert.equal(g.call("fd_read", 0, 0, 4, 8), Errno.ESUCCESS);
    assert.equal(g.u32(8), 8);
    assert.equal(g.text(100, 3) + g.text(300, 4) + g.text(400, 1), "abcdefgh");
    assert.equal(g.call("fd_read", 0, 0, 4, 8), Errno.ESUCCESS);
    assert.equal(g.u32(8), 0); // EOF
  });
});

Deno.test("fd_write gathers iovecs in order to stdout and stderr", () => {
  const stdout = new OutputBuffer();
  const stderr = new OutputBuffer();
  withGuest({ stdout, stderr }, (g) => {
    g.put(100, "hello");
    g.put(200, ", ");
    g.put(300, "world");
    g.iovs(0, [100, 5], [200, 2], [300, 0], [300, 5]);
    assert.equal(g.call("fd_write", 1, 0, 4, 8), Errno.ESUCCESS);
    assert.equal(g.u32(8), 12);
    assert.equal(g.call("fd_write", 2, 0, 1, 8), Errno.ESUCCESS);
    g.put(100, "XXXXX"); // the sinks kept copies
  });
  assert.equal(textOf(stdout), "hello, world");
  assert.equal(textOf(stderr), "hello");
});

Deno.test("a custom ByteSink sees each write", () => {
  const seen: string[] = [];
  const sink: ByteSink = {
    write: (data) => void seen.push(new TextDecoder().decode(data)),
  };
  const { code } = runWat(echo(4), {
    stdin: new TextEncoder().encode("abcdef"),
    stdout: sink,
  });
  assert.equal(code, 0);
  assert.deepEqual(seen, ["abcd", "ef"]);
});

Deno.test("output past the limit throws OutputLimitError out of start()", () => {
  const stdout = new OutputBuffer(10);
  const input = new Uint8Array(25).fill(97);
  assert.throws(
    () => runWat(echo(8), { stdin: input, stdout }),
    (e: unknown) => e instanceof OutputLimitError && e.limit === 10,
  );
  assert.equal(stdout.size, 8); // the refused write left nothing behind
});

Deno.test("stdio rights: no reading stdout, no writing stdin, no seeking", () => {
  withGuest({}, (g) => {
    g.iovs(0, [100, 4]);
    assert.equal(g.call("fd_write", 0, 0, 1, 8), Errno.ENOTCAPABLE);
    assert.equal(g.call("fd_read", 1, 0, 1, 8), Errno.ENOTCAPABLE);
    assert.equal(g.call("fd_read", 99, 0, 1, 8), Errno.EBADF);
    assert.equal(g.call("fd_write", -1, 0, 1, 8), Errno.EBADF);
    assert.equal(g.call("fd_seek", 1, 0n, 0, 8), Errno.ESPIPE);
    assert.equal(g.call("fd_tell", 0, 8), Errno.ESPIPE);
    assert.equal(g.call("fd_pread", 0, 0, 1, 0n, 8), Errno.ESPIPE);
    assert.equal(g.call("fd_sync", 1), Errno.EINVAL);
  });
});

Deno.test("stdio fdstat: a stream (not a tty) with stream rights", () => {
  const FD_READ = 1n << 1n, FD_SEEK = 1n << 2n, FD_TELL = 1n << 5n;
  const FD_WRITE = 1n << 6n;
  withGuest({}, (g) => {
    for (const fd of [0, 1, 2]) {
      g.u8.fill(0xff, 100, 124);
      assert.equal(g.call("fd_fdstat_get", fd, 100), Errno.ESUCCESS);
      assert.equal(g.u8[100], 0); // filetype unknown, like a pipe
      assert.equal(g.u8[101], 0);
      assert.equal(g.view.getUint16(102, true), 0);
      const rights = g.u64(108);
      assert.equal(rights & (FD_SEEK | FD_TELL), 0n);
      assert.equal((rights & FD_READ) !== 0n, fd === 0);
      assert.equal((rights & FD_WRITE) !== 0n, fd !== 0);
    }
    assert.equal(g.call("fd_fdstat_set_flags", 1, 4), Errno.ESUCCESS);
    assert.equal(g.call("fd_fdstat_get", 1, 100), Errno.ESUCCESS);
    assert.equal(g.view.getUint16(102, true), 4);
    assert.equal(g.call("fd_fdstat_set_flags", 1, 0x100), Errno.EINVAL);
    assert.equal(g.call("fd_filestat_get", 1, 200), Errno.ESUCCESS);
    assert.equal(g.u8[216], 0);
  });
});
