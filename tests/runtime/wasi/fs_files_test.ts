import assert from "node:assert/strict";
import { Errno } from "../../../runtime/wasi/mod.ts";
import { runWat, withGuest } from "./_guest.ts";
import {
  ALL,
  BUF,
  FDFLAG_APPEND,
  IOV,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_TRUNC,
  open,
  PATH,
  R,
  read,
  READ_ONLY,
  RESULT,
  withTrees,
  write,
} from "./_fs.ts";

const rw = (hostPath: string, guestPath = "/data") => ({
  hostPath,
  guestPath,
  writable: true,
});

Deno.test("prestat: preopens at fds 3.. in order with their guest names", async () => {
  await withTrees(2, ([a, b]) => {
    const preopens = [rw(a, "/data"), { ...rw(b, "."), writable: false }];
    withGuest({ preopens }, (g) => {
      assert.equal(g.call("fd_prestat_get", 3, 100), Errno.ESUCCESS);
      assert.deepEqual([g.u8[100], g.u32(104)], [0, 5]);
      assert.equal(g.call("fd_prestat_dir_name", 3, 200, 5), Errno.ESUCCESS);
      assert.equal(g.text(200, 5), "/data");
      assert.equal(g.call("fd_prestat_get", 4, 100), Errno.ESUCCESS);
      assert.equal(g.u32(104), 1);
      assert.equal(g.call("fd_prestat_dir_name", 4, 200, 1), Errno.ESUCCESS);
      assert.equal(g.text(200, 1), ".");
      assert.equal(g.call("fd_prestat_get", 5, 100), Errno.EBADF);
      assert.equal(g.call("fd_prestat_get", 1, 100), Errno.EBADF);
      assert.equal(
        g.call("fd_prestat_dir_name", 3, 200, 4),
        Errno.ENAMETOOLONG,
      );
      assert.equal(g.call("fd_prestat_get", 3, 65532), Errno.EFAULT);
    });
  });
});

Deno.test("construction does no file-system work: a missing preopen fails only when used", () => {
  const preopens = [rw("/nonexistent/eddy/dir")];
  withGuest({ preopens }, (g) => {
    assert.equal(g.call("fd_prestat_get", 3, 100), Errno.ESUCCESS);
    assert.equal(open(g, 3, "x")[0], Errno.ENOENT);
  });
});

Deno.test("a WAT guest opens, writes and reads back a file", async () => {
  await withTrees(1, ([dir]) => {
    const { code, stdout } = runWat(
      `
      (memory (export "memory") 1)
      (data (i32.const 100) "out.txt")
      (data (i32.const 200) "written by wasm")
      (func (export "_start") (local $fd i32)
        ;; open out.txt with O_CREAT|O_TRUNC, read+write rights
        (if (call $path_open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 7)
              (i32.const 9) (i64.const 0x3fffffff) (i64.const 0x3fffffff) (i32.const 0) (i32.const 8))
          (then (call $proc_exit (i32.const 10))))
        (local.set $fd (i32.load (i32.const 8)))
        (i32.store (i32.const 16) (i32.const 200))
        (i32.store (i32.const 20) (i32.const 15))
        (drop (call $fd_write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24)))
        (drop (call $fd_close (local.get $fd)))
        (drop (call $path_open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 7)
              (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 8)))
        (local.set $fd (i32.load (i32.const 8)))
        (i32.store (i32.const 16) (i32.const 300))
        (i32.store (i32.const 20) (i32.const 64))
        (drop (call $fd_read (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24)))
        (i32.store (i32.const 20) (i32.load (i32.const 24)))
        (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))`,
      {
        preopens: [rw(dir)],
      },
    );
    assert.equal(code, 0);
    assert.equal(stdout, "written by wasm");
    assert.equal(Deno.readTextFileSync(`${dir}/out.txt`), "written by wasm");
  });
});

Deno.test("read, seek, tell, pread on a read-only file", async () => {
  await withTrees(1, ([dir]) => {
    withGuest({ preopens: [rw(dir)] }, (g) => {
      const [errno, fd] = open(g, 3, "hello.txt");
      assert.equal(errno, Errno.ESUCCESS);
      assert.ok(fd > 3);
      assert.deepEqual(read(g, fd, 5), [0, "hello"]);
      assert.equal(g.call("fd_tell", fd, RESULT), Errno.ESUCCESS);
      assert.equal(g.u64(RESULT), 5n);
      assert.equal(g.call("fd_seek", fd, 6n, 0, RESULT), Errno.ESUCCESS);
      assert.deepEqual(read(g, fd), [0, "world"]);
      assert.equal(g.call("fd_seek", fd, -5n, 2, RESULT), Errno.ESUCCESS);
      assert.equal(g.u64(RESULT), 6n);
      assert.equal(g.call("fd_seek", fd, -2n, 1, RESULT), Errno.ESUCCESS);
      assert.equal(g.u64(RESULT), 4n);
      assert.equal(g.call("fd_seek", fd, -100n, 1, RESULT), Errno.EINVAL);
      assert.equal(g.call("fd_seek", fd, 0n, 3, RESULT), Errno.EINVAL);
      g.iovs(IOV, [BUF, 4], [BUF + 10, 3]);
      assert.equal(g.call("fd_pread", fd, IOV, 2, 1n, RESULT), Errno.ESUCCESS);
      assert.equal(g.u32(RESULT), 7);
      assert.equal(g.text(BUF, 4) + g.text(BUF + 10, 3), "ello wo");
      assert.equal(g.call("fd_tell", fd, RESULT), Errno.ESUCCESS);
      assert.equal(g.u64(RESULT), 4n); // pread left the position alone
      assert.equal(write(g, fd, "nope"), Errno.ENOTCAPABLE);
      g.iovs(IOV, [BUF, 4]);
      assert.equal(
        g.call("fd_pwrite", fd, IOV, 1, 0n, RESULT),
        Errno.ENOTCAPABLE,
      );
      assert.equal(g.call("fd_close", fd), Errno.ESUCCESS);
      assert.equal(g.call("fd_close", fd), Errno.EBADF);
      assert.deepEqual(read(g, fd), [Errno.EBADF, ""]);
    });
    assert.equal(Deno.readTextFileSync(`${dir}/hello.txt`), "hello world");
  });
});

Deno.test("create, write, pwrite, truncate; rights follow the open mode", async () => {
  await withTrees(1, ([dir]) => {
    withGuest({ preopens: [rw(dir)] }, (g) => {
      const [errno, fd] = open(g, 3, "new.txt", {
        oflags: O_CREAT | O_TRUNC,
        base: ALL,
      });
      assert.equal(errno, Errno.ESUCCESS);
      assert.equal(write(g, fd, "abcdef"), Errno.ESUCCESS);
      assert.equal(g.u32(RESULT), 6);
      g.put(BUF, "ZZ");
      g.iovs(IOV, [BUF, 2]);
      assert.equal(g.call("fd_pwrite", fd, IOV, 1, 1n, RESULT), Errno.ESUCCESS);
      assert.equal(g.call("fd_tell", fd, RESULT), Errno.ESUCCESS);
      assert.equal(g.u64(RESULT), 6n);
      assert.equal(Deno.readTextFileSync(`${dir}/new.txt`), "aZZdef");
      assert.equal(g.call("fd_filestat_set_size", fd, 3n), Errno.ESUCCESS);
      assert.equal(Deno.readTextFileSync(`${dir}/new.txt`), "aZZ");
      assert.equal(g.call("fd_allocate", fd, 0n, 10n), Errno.ESUCCESS);
      assert.equal(Deno.statSync(`${dir}/new.txt`).size, 10);
      assert.equal(g.call("fd_sync", fd), Errno.ESUCCESS);
      assert.equal(g.call("fd_datasync", fd), Errno.ESUCCESS);
      assert.equal(g.call("fd_advise", fd, 0n, 0n, 2), Errno.ESUCCESS);
      assert.equal(g.call("fd_advise", fd, 0n, 0n, 9), Errno.EINVAL);
      assert.equal(g.call("fd_fdstat_get", fd, 100), Errno.ESUCCESS);
      assert.equal(g.u8[100], 4); // regular file
      const rights = g.u64(108);
      assert.ok(
        rights & R.FD_WRITE && rights & R.FD_READ && rights & R.FD_SEEK,
      );

      // Opened read-only: fdstat must not claim write rights.
      const [, ro] = open(g, 3, "new.txt", { base: READ_ONLY });
      assert.equal(g.call("fd_fdstat_get", ro, 100), Errno.ESUCCESS);
      assert.equal(g.u64(108) & (R.FD_WRITE | R.FD_FILESTAT_SET_SIZE), 0n);
      assert.ok(g.u64(108) & R.FD_READ);
      assert.equal(g.call("fd_filestat_set_size", ro, 0n), Errno.ENOTCAPABLE);
      // Opened write-only: no FD_READ.
      const [, wo] = open(g, 3, "new.txt", { base: R.FD_WRITE });
      assert.equal(g.call("fd_fdstat_get", wo, 100), Errno.ESUCCESS);
      assert.equal(g.u64(108), R.FD_WRITE);
      assert.deepEqual(read(g, wo), [Errno.ENOTCAPABLE, ""]);
    });
  });
});

Deno.test("O_APPEND (and fdstat_set_flags APPEND) writes at the end", async () => {
  await withTrees(1, ([dir]) => {
    withGuest({ preopens: [rw(dir)] }, (g) => {
      const [, fd] = open(g, 3, "hello.txt", {
        base: ALL,
        fdflags: FDFLAG_APPEND,
      });
      assert.equal(g.call("fd_seek", fd, 0n, 0, RESULT), Errno.ESUCCESS);
      assert.equal(write(g, fd, "!"), Errno.ESUCCESS);
      assert.equal(g.call("fd_fdstat_get", fd, 100), Errno.ESUCCESS);
      assert.equal(g.view.getUint16(102, true), FDFLAG_APPEND);
      assert.equal(g.call("fd_fdstat_set_flags", fd, 0), Errno.ESUCCESS);
      assert.equal(g.call("fd_seek", fd, 0n, 0, RESULT), Errno.ESUCCESS);
      assert.equal(write(g, fd, "J"), Errno.ESUCCESS);
      assert.equal(g.call("fd_fdstat_set_flags", fd, FDFLAG_APPEND), 0);
      assert.equal(write(g, fd, "?"), Errno.ESUCCESS);
    });
    assert.equal(Deno.readTextFileSync(`${dir}/hello.txt`), "Jello world!?");
  });
});

Deno.test("path_open errors: EEXIST, ENOENT, ENOTDIR, EISDIR, bad flags", async () => {
  await withTrees(1, ([dir]) => {
    withGuest({ preopens: [rw(dir)] }, (g) => {
      const excl = { oflags: O_CREAT | O_EXCL, base: ALL };
      assert.equal(open(g, 3, "hello.txt", excl)[0], Errno.EEXIST);
      assert.equal(open(g, 3, "missing.txt")[0], Errno.ENOENT);
      assert.equal(
        open(g, 3, "missing/x", { oflags: O_CREAT })[0],
        Errno.ENOENT,
      );
      assert.equal(
        open(g, 3, "hello.txt", { oflags: O_DIRECTORY })[0],
        Errno.ENOTDIR,
      );
      assert.equal(open(g, 3, "hello.txt/x")[0], Errno.ENOTDIR);
      assert.equal(open(g, 3, "sub", { base: ALL })[0], Errno.EISDIR);
      assert.equal(open(g, 3, "hello.txt", { oflags: 0x10 })[0], Errno.EINVAL);
      assert.equal(open(g, 3, "")[0], Errno.ENOENT);
      assert.equal(open(g, 1, "hello.txt")[0], Errno.ENOTDIR);
      assert.equal(open(g, 42, "hello.txt")[0], Errno.EBADF);
      const [, file] = open(g, 3, "hello.txt");
      assert.equal(open(g, file, "x")[0], Errno.ENOTDIR);
      // Nothing was left open by the failures above (lowest fd is reused).
      assert.equal(g.call("fd_close", file), Errno.ESUCCESS);
      assert.equal(open(g, 3, "hello.txt")[1], file);
    });
  });
});

Deno.test("directories: open one, use it as a base, read it as a file fails", async () => {
  await withTrees(1, ([dir]) => {
    withGuest({ preopens: [rw(dir)] }, (g) => {
      const [errno, sub] = open(g, 3, "sub", { oflags: O_DIRECTORY });
      assert.equal(errno, Errno.ESUCCESS);
      assert.equal(g.call("fd_fdstat_get", sub, 100), Errno.ESUCCESS);
      assert.equal(g.u8[100], 3);
      assert.ok(g.u64(108) & R.PATH_OPEN && g.u64(108) & R.FD_READDIR);
      const [, inner] = open(g, sub, "inner.txt");
      assert.deepEqual(read(g, inner), [0, "inner"]);
      // An opened directory confines like a preopen: no way up from it.
      assert.equal(open(g, sub, "../hello.txt")[0], Errno.ENOTCAPABLE);
      assert.deepEqual(read(g, sub), [Errno.EISDIR, ""]);
      assert.equal(g.call("fd_seek", sub, 0n, 0, RESULT), Errno.EISDIR);
      const [, self] = open(g, 3, ".");
      assert.equal(g.call("fd_fdstat_get", self, 100), Errno.ESUCCESS);
      assert.equal(g.u8[100], 3);
    });
  });
});

Deno.test("fd_renumber moves a descriptor over another", async () => {
  await withTrees(1, ([dir]) => {
    withGuest({ preopens: [rw(dir)] }, (g) => {
      const [, a] = open(g, 3, "hello.txt");
      const [, b] = open(g, 3, "sub/inner.txt");
      assert.equal(g.call("fd_renumber", a, b), Errno.ESUCCESS);
      assert.deepEqual(read(g, b, 5), [0, "hello"]);
      assert.deepEqual(read(g, a), [Errno.EBADF, ""]);
      assert.equal(g.call("fd_renumber", a, b), Errno.EBADF);
      assert.equal(g.call("fd_renumber", b, 99), Errno.EBADF);
    });
  });
});

Deno.test("fd_fdstat_set_rights only shrinks", async () => {
  await withTrees(1, ([dir]) => {
    withGuest({ preopens: [rw(dir)] }, (g) => {
      const [, fd] = open(g, 3, "hello.txt");
      assert.equal(
        g.call("fd_fdstat_set_rights", fd, R.FD_READ | R.FD_SEEK, 0n),
        Errno.ESUCCESS,
      );
      assert.equal(g.call("fd_fdstat_get", fd, 100), Errno.ESUCCESS);
      assert.equal(g.u64(108), R.FD_READ | R.FD_SEEK);
      assert.equal(g.call("fd_tell", fd, RESULT), Errno.ENOTCAPABLE);
      assert.equal(
        g.call("fd_fdstat_set_rights", fd, R.FD_READ | R.FD_TELL, 0n),
        Errno.ENOTCAPABLE,
      );
      assert.equal(g.call("fd_fdstat_set_rights", fd, 0n, 0n), Errno.ESUCCESS);
      assert.deepEqual(read(g, fd), [Errno.ENOTCAPABLE, ""]);
    });
  });
});

Deno.test("host files are closed when start() returns", async () => {
  await withTrees(1, ([dir]) => {
    // Only this test's files: other tests may run in this process meanwhile.
    const count = () =>
      [...Deno.readDirSync("/proc/self/fd")].filter((e) => {
        try {
          return Deno.readLinkSync(`/proc/self/fd/${e.name}`).startsWith(dir);
        } catch {
          return false;
        }
      }).length;
    const before = count();
    withGuest({ preopens: [rw(dir)] }, (g) => {
      for (let i = 0; i < 5; i++) open(g, 3, "hello.txt");
      assert.ok(count() >= before + 5);
      g.call("proc_exit", 0);
    });
    assert.equal(count(), before);
  });
});

Deno.test("path pointer and fd pointer are checked before opening", async () => {
  await withTrees(1, ([dir]) => {
    withGuest({ preopens: [rw(dir)] }, (g) => {
      const len = g.put(PATH, "created.txt");
      const args = [3, 1, PATH, len, O_CREAT, ALL, ALL, 0];
      assert.equal(g.call("path_open", ...args, 65533), Errno.EFAULT);
      assert.equal(
        g.call("path_open", 3, 1, 65530, 10, 0, ALL, ALL, 0, 0),
        Errno.EFAULT,
      );
    });
    assert.throws(
      () => Deno.statSync(`${dir}/created.txt`),
      Deno.errors.NotFound,
    );
  });
});
