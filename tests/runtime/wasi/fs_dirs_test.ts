import assert from "node:assert/strict";
import { Errno } from "../../../runtime/wasi/mod.ts";
import { withGuest } from "./_guest.ts";
import {
  BUF,
  dirents,
  FOLLOW,
  O_DIRECTORY,
  open,
  PATH,
  pathCall,
  RESULT,
  withTrees,
} from "./_fs.ts";

const rw = (hostPath: string) => ({
  hostPath,
  guestPath: "/data",
  writable: true,
});

Deno.test("fd_readdir: dirent layout, d_type, d_ino, cookies", async () => {
  await withTrees(1, ([dir]) => {
    Deno.symlinkSync("hello.txt", `${dir}/link`);
    withGuest({ preopens: [rw(dir)] }, (g) => {
      assert.equal(g.call("fd_readdir", 3, BUF, 4096, 0n, RESULT), 0);
      const used = g.u32(RESULT);
      const entries = dirents(g, BUF, used);
      assert.equal(
        used,
        entries.reduce(
          (n, e) => n + 24 + new TextEncoder().encode(e.name).length,
          0,
        ),
      );
      assert.deepEqual(entries.map((e) => e.next), [1n, 2n, 3n, 4n, 5n]);
      const byName = Object.fromEntries(entries.map((e) => [e.name, e]));
      assert.deepEqual(
        Object.keys(byName).sort(),
        [".", "..", "hello.txt", "link", "sub"],
      );
      assert.equal(byName["."].type, 3);
      assert.equal(byName[".."].type, 3);
      assert.equal(byName["sub"].type, 3);
      assert.equal(byName["hello.txt"].type, 4);
      assert.equal(byName["link"].type, 7);
      assert.equal(
        byName["hello.txt"].ino,
        BigInt(Deno.statSync(`${dir}/hello.txt`).ino!),
      );
      assert.equal(byName["."].ino, BigInt(Deno.statSync(dir).ino!));
      // d_type's padding is zero.
      assert.deepEqual([...g.u8.subarray(BUF + 21, BUF + 24)], [0, 0, 0]);

      // Resume from the cookie of the 3rd entry: the last two come again.
      assert.equal(g.call("fd_readdir", 3, BUF, 4096, 3n, RESULT), 0);
      assert.deepEqual(
        dirents(g, BUF, g.u32(RESULT)).map((e) => e.name),
        entries.slice(3).map((e) => e.name),
      );
      // Past the end: nothing.
      assert.equal(g.call("fd_readdir", 3, BUF, 4096, 99n, RESULT), 0);
      assert.equal(g.u32(RESULT), 0);
    });
  });
});

Deno.test("fd_readdir: a partial last entry fills the buffer exactly", async () => {
  await withTrees(1, ([dir]) => {
    withGuest({ preopens: [rw(dir)] }, (g) => {
      g.call("fd_readdir", 3, BUF, 4096, 0n, RESULT);
      const all = dirents(g, BUF, g.u32(RESULT));
      // Room for "." (25 bytes) and "..": 26 bytes, plus 30 of the third.
      const size = 25 + 26 + 30;
      g.u8.fill(0xee, 2000, 2000 + size + 8);
      assert.equal(g.call("fd_readdir", 3, 2000, size, 0n, RESULT), 0);
      assert.equal(g.u32(RESULT), size); // bufused == buf_len: more to read
      const got = dirents(g, 2000, size);
      assert.deepEqual(got.map((e) => e.name), [".", ".."]);
      // The third entry's header is there, with its name cut short.
      assert.equal(g.view.getBigUint64(2000 + 51, true), 3n);
      assert.equal(g.u8[2000 + size], 0xee); // nothing past buf_len
      // Asking again from cookie 2 with a big buffer gives the rest whole.
      assert.equal(g.call("fd_readdir", 3, BUF, 4096, 2n, RESULT), 0);
      assert.deepEqual(
        dirents(g, BUF, g.u32(RESULT)).map((e) => e.name),
        all.slice(2).map((e) => e.name),
      );
      // A buffer smaller than one header.
      assert.equal(g.call("fd_readdir", 3, 2000, 10, 0n, RESULT), 0);
      assert.equal(g.u32(RESULT), 10);
    });
  });
});

Deno.test("fd_readdir: errors", async () => {
  await withTrees(1, ([dir]) => {
    withGuest({ preopens: [rw(dir)] }, (g) => {
      const [, file] = open(g, 3, "hello.txt");
      assert.equal(
        g.call("fd_readdir", file, BUF, 100, 0n, RESULT),
        Errno.ENOTDIR,
      );
      assert.equal(
        g.call("fd_readdir", 1, BUF, 100, 0n, RESULT),
        Errno.ENOTDIR,
      );
      assert.equal(g.call("fd_readdir", 77, BUF, 100, 0n, RESULT), Errno.EBADF);
      assert.equal(
        g.call("fd_readdir", 3, 65500, 100, 0n, RESULT),
        Errno.EFAULT,
      );
      assert.equal(g.call("fd_readdir", 3, BUF, 100, 0n, 65535), Errno.EFAULT);
      const [, sub] = open(g, 3, "sub", { oflags: O_DIRECTORY });
      assert.equal(g.call("fd_readdir", sub, BUF, 4096, 0n, RESULT), 0);
      assert.deepEqual(
        dirents(g, BUF, g.u32(RESULT)).map((e) => e.name).sort(),
        [".", "..", "inner.txt"],
      );
    });
  });
});

Deno.test("filestat: fd_filestat_get and path_filestat_get", async () => {
  await withTrees(1, ([dir]) => {
    Deno.symlinkSync("hello.txt", `${dir}/link`);
    const host = Deno.statSync(`${dir}/hello.txt`);
    withGuest({ preopens: [rw(dir)] }, (g) => {
      const [, fd] = open(g, 3, "hello.txt");
      g.u8.fill(0xff, 100, 164);
      assert.equal(g.call("fd_filestat_get", fd, 100), Errno.ESUCCESS);
      const v = g.view;
      assert.equal(v.getBigUint64(100, true), BigInt(host.dev));
      assert.equal(v.getBigUint64(108, true), BigInt(host.ino!));
      assert.equal(g.u8[116], 4);
      assert.deepEqual([...g.u8.subarray(117, 124)], [0, 0, 0, 0, 0, 0, 0]);
      assert.equal(v.getBigUint64(124, true), 1n); // nlink
      assert.equal(v.getBigUint64(132, true), 11n); // size
      const ms = (at: number) => Number(v.getBigUint64(at, true) / 1_000_000n);
      assert.equal(ms(140), host.atime!.getTime());
      assert.equal(ms(148), host.mtime!.getTime());
      assert.ok(Math.abs(ms(156) - host.ctime!.getTime()) < 1000);

      const stat = (path: string, flags: number) => {
        const len = g.put(PATH, path);
        return g.call("path_filestat_get", 3, flags, PATH, len, 200);
      };
      assert.equal(stat("sub", FOLLOW), Errno.ESUCCESS);
      assert.equal(g.u8[216], 3);
      assert.equal(stat("link", 0), Errno.ESUCCESS);
      assert.equal(g.u8[216], 7);
      assert.equal(stat("link", FOLLOW), Errno.ESUCCESS);
      assert.equal(g.u8[216], 4);
      assert.equal(g.view.getBigUint64(232, true), 11n);
      assert.equal(stat(".", FOLLOW), Errno.ESUCCESS);
      assert.equal(g.u8[216], 3);
      assert.equal(stat("nope", FOLLOW), Errno.ENOENT);
      assert.equal(g.call("fd_filestat_get", 3, 300), Errno.ESUCCESS);
      assert.equal(g.u8[316], 3);
      assert.equal(g.call("fd_filestat_get", fd, 65500), Errno.EFAULT);
    });
  });
});

Deno.test("set times: fd_filestat_set_times and path_filestat_set_times", async () => {
  await withTrees(1, ([dir]) => {
    withGuest({ preopens: [rw(dir)] }, (g) => {
      const ATIM = 1, ATIM_NOW = 2, MTIM = 4;
      const len = g.put(PATH, "hello.txt");
      const t = 1_600_000_000_000_000_000n; // 2020-09-13, in ns
      assert.equal(
        g.call(
          "path_filestat_set_times",
          3,
          FOLLOW,
          PATH,
          len,
          t,
          t + 5_000_000_000n,
          ATIM | MTIM,
        ),
        Errno.ESUCCESS,
      );
      let info = Deno.statSync(`${dir}/hello.txt`);
      assert.equal(info.atime!.getTime(), 1_600_000_000_000);
      assert.equal(info.mtime!.getTime(), 1_600_000_005_000);
      const [, fd] = open(g, 3, "hello.txt", { base: (1n << 30n) - 1n });
      assert.equal(g.call("fd_filestat_set_times", fd, 0n, t, MTIM), 0);
      info = Deno.statSync(`${dir}/hello.txt`);
      assert.equal(info.mtime!.getTime(), 1_600_000_000_000);
      assert.equal(info.atime!.getTime(), 1_600_000_000_000); // unchanged
      assert.equal(
        g.call("fd_filestat_set_times", fd, t, 0n, ATIM | ATIM_NOW),
        Errno.EINVAL,
      );
      assert.equal(g.call("fd_filestat_set_times", fd, 0n, 0n, ATIM_NOW), 0);
      assert.ok(
        Deno.statSync(`${dir}/hello.txt`).atime!.getTime() >
          Date.now() - 60_000,
      );
    });
  });
});

Deno.test("mkdir, rmdir, unlink, rename", async () => {
  await withTrees(1, ([dir]) => {
    withGuest({ preopens: [rw(dir)] }, (g) => {
      assert.equal(pathCall(g, "path_create_directory", 3, "made"), 0);
      assert.ok(Deno.statSync(`${dir}/made`).isDirectory);
      assert.equal(
        pathCall(g, "path_create_directory", 3, "made"),
        Errno.EEXIST,
      );
      assert.equal(
        pathCall(g, "path_create_directory", 3, "a/b"),
        Errno.ENOENT,
      );
      assert.equal(pathCall(g, "path_create_directory", 3, "."), Errno.EEXIST);
      assert.equal(
        pathCall(g, "path_remove_directory", 3, "sub"),
        Errno.ENOTEMPTY,
      );
      assert.equal(
        pathCall(g, "path_remove_directory", 3, "hello.txt"),
        Errno.ENOTDIR,
      );
      assert.equal(pathCall(g, "path_remove_directory", 3, "."), Errno.EINVAL);
      assert.equal(
        pathCall(g, "path_remove_directory", 3, "sub/.."),
        Errno.EINVAL,
      );
      assert.equal(pathCall(g, "path_unlink_file", 3, "sub"), Errno.EISDIR);
      assert.equal(pathCall(g, "path_unlink_file", 3, "nope"), Errno.ENOENT);

      const rename = (from: string, to: string) => {
        const a = g.put(PATH, from);
        const b = g.put(PATH + 512, to);
        return g.call("path_rename", 3, PATH, a, 3, PATH + 512, b);
      };
      assert.equal(rename("hello.txt", "made/moved.txt"), 0);
      assert.equal(
        Deno.readTextFileSync(`${dir}/made/moved.txt`),
        "hello world",
      );
      assert.equal(rename("hello.txt", "x"), Errno.ENOENT);
      assert.equal(rename("made/moved.txt", "sub/inner.txt"), 0); // replaces
      assert.equal(
        Deno.readTextFileSync(`${dir}/sub/inner.txt`),
        "hello world",
      );
      assert.equal(rename(".", "x"), Errno.EBUSY);
      assert.equal(pathCall(g, "path_unlink_file", 3, "sub/inner.txt"), 0);
      assert.equal(pathCall(g, "path_remove_directory", 3, "sub"), 0);
      assert.equal(pathCall(g, "path_remove_directory", 3, "made"), 0);
      assert.deepEqual([...Deno.readDirSync(dir)], []);
    });
  });
});

Deno.test("symlink, readlink, link inside a preopen", async () => {
  await withTrees(1, ([dir]) => {
    withGuest({ preopens: [rw(dir)] }, (g) => {
      const symlink = (target: string, path: string) => {
        const a = g.put(PATH, target);
        const b = g.put(PATH + 512, path);
        return g.call("path_symlink", PATH, a, 3, PATH + 512, b);
      };
      assert.equal(symlink("sub/../hello.txt", "up0"), Errno.ENOTCAPABLE);
      assert.equal(symlink("hello.txt", "up"), 0);
      assert.equal(Deno.readLinkSync(`${dir}/up`), "hello.txt");
      assert.equal(symlink("up", "sub/up"), 0);
      Deno.removeSync(`${dir}/sub/up`);
      Deno.symlinkSync("../up", `${dir}/sub/up`); // the operator may use `..`
      const [errno, fd] = open(g, 3, "sub/up");
      assert.equal(errno, 0);
      g.iovs(256, [BUF, 20]);
      assert.equal(g.call("fd_read", fd, 256, 1, RESULT), 0);
      assert.equal(g.text(BUF, g.u32(RESULT)), "hello world");
      assert.equal(open(g, 3, "sub/up", { lookup: 0 })[0], Errno.ELOOP);

      const len = g.put(PATH, "sub/up");
      assert.equal(g.call("path_readlink", 3, PATH, len, BUF, 100, RESULT), 0);
      assert.equal(g.text(BUF, g.u32(RESULT)), "../up");
      assert.equal(g.call("path_readlink", 3, PATH, len, BUF, 5, RESULT), 0);
      assert.equal(g.u32(RESULT), 5); // truncated, as POSIX readlink
      const file = g.put(PATH, "hello.txt");
      assert.equal(
        g.call("path_readlink", 3, PATH, file, BUF, 100, RESULT),
        Errno.EINVAL,
      );

      const a = g.put(PATH, "hello.txt");
      const b = g.put(PATH + 512, "sub/hard");
      assert.equal(g.call("path_link", 3, 0, PATH, a, 3, PATH + 512, b), 0);
      assert.equal(Deno.statSync(`${dir}/hello.txt`).nlink, 2);
      assert.equal(symlink("hello.txt", "sub"), Errno.EEXIST);
    });
  });
});
