import assert from "node:assert/strict";
import { Errno } from "../../../runtime/wasi/mod.ts";
import { withGuest } from "./_guest.ts";
import {
  ALL,
  FDFLAG_APPEND,
  O_CREAT,
  O_TRUNC,
  open,
  PATH,
  pathCall,
  R,
  read,
  READ_ONLY,
  withTrees,
  write,
} from "./_fs.ts";

/** Everything under `dir` as "path:content" lines, to prove nothing moved. */
function snapshot(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(`${dir}/${prefix}`)) {
    const path = `${prefix}${e.name}`;
    if (e.isDirectory) out.push(`${path}/`, ...snapshot(dir, `${path}/`));
    else if (e.isSymlink) {
      out.push(`${path}->${Deno.readLinkSync(`${dir}/${path}`)}`);
    } else out.push(`${path}:${Deno.readTextFileSync(`${dir}/${path}`)}`);
  }
  return out.sort();
}

Deno.test("a read-only preopen reads but refuses every change with ENOTCAPABLE", async () => {
  await withTrees(2, ([ro, rw]) => {
    const before = snapshot(ro);
    const preopens = [
      { hostPath: ro, guestPath: "/ro", writable: false },
      { hostPath: rw, guestPath: "/rw", writable: true },
    ];
    withGuest({ preopens }, (g) => {
      // Reading works, as wasi-libc asks for it (base = max & inheriting).
      assert.equal(g.call("fd_fdstat_get", 3, 100), Errno.ESUCCESS);
      const base = g.u64(108), inheriting = g.u64(116);
      assert.equal(
        base &
          (R.PATH_CREATE_DIRECTORY | R.PATH_CREATE_FILE | R.PATH_UNLINK_FILE),
        0n,
      );
      assert.ok(base & R.PATH_OPEN && base & R.FD_READDIR);
      assert.equal(inheriting & (R.FD_WRITE | R.FD_FILESTAT_SET_SIZE), 0n);
      assert.ok(inheriting & R.FD_READ);
      const [errno, fd] = open(g, 3, "hello.txt", {
        base: READ_ONLY & inheriting,
      });
      assert.equal(errno, 0);
      assert.deepEqual(read(g, fd), [0, "hello world"]);
      assert.equal(write(g, fd, "x"), Errno.ENOTCAPABLE);
      assert.equal(g.call("fd_filestat_set_size", fd, 0n), Errno.ENOTCAPABLE);
      assert.equal(
        g.call("fd_filestat_set_times", fd, 0n, 0n, 2),
        Errno.ENOTCAPABLE,
      );
      assert.equal(g.call("fd_allocate", fd, 0n, 100n), Errno.ENOTCAPABLE);

      // Opening for writing in any way.
      assert.equal(
        open(g, 3, "new.txt", { oflags: O_CREAT })[0],
        Errno.ENOTCAPABLE,
      );
      assert.equal(
        open(g, 3, "hello.txt", { base: ALL })[0],
        Errno.ENOTCAPABLE,
      );
      assert.equal(
        open(g, 3, "hello.txt", { oflags: O_TRUNC })[0],
        Errno.ENOTCAPABLE,
      );
      assert.equal(
        open(g, 3, "hello.txt", { fdflags: FDFLAG_APPEND })[0],
        Errno.ENOTCAPABLE,
      );
      assert.equal(
        open(g, 3, "hello.txt", { base: R.FD_WRITE })[0],
        Errno.ENOTCAPABLE,
      );
      // Path changes.
      assert.equal(
        pathCall(g, "path_create_directory", 3, "d"),
        Errno.ENOTCAPABLE,
      );
      assert.equal(
        pathCall(g, "path_remove_directory", 3, "sub"),
        Errno.ENOTCAPABLE,
      );
      assert.equal(
        pathCall(g, "path_unlink_file", 3, "hello.txt"),
        Errno.ENOTCAPABLE,
      );
      const len = g.put(PATH, "hello.txt");
      const other = g.put(PATH + 512, "moved.txt");
      assert.equal(
        g.call("path_rename", 3, PATH, len, 3, PATH + 512, other),
        Errno.ENOTCAPABLE,
      );
      // Renaming or linking out of the read-only preopen into the writable one.
      assert.equal(
        g.call("path_rename", 3, PATH, len, 4, PATH + 512, other),
        Errno.ENOTCAPABLE,
      );
      assert.equal(
        g.call("path_link", 3, 0, PATH, len, 4, PATH + 512, other),
        Errno.ENOTCAPABLE,
      );
      // ... or into it from the writable one.
      assert.equal(
        g.call("path_rename", 4, PATH, len, 3, PATH + 512, other),
        Errno.ENOTCAPABLE,
      );
      assert.equal(
        g.call("path_symlink", PATH, len, 3, PATH + 512, other),
        Errno.ENOTCAPABLE,
      );
      assert.equal(
        g.call("path_filestat_set_times", 3, 1, PATH, len, 0n, 0n, 2),
        Errno.ENOTCAPABLE,
      );
      // A directory opened inside it is read-only too.
      const [, sub] = open(g, 3, "sub", {
        base: ALL & ~R.FD_WRITE & ~R.FD_DATASYNC & ~R.FD_ALLOCATE &
          ~R.FD_FILESTAT_SET_SIZE,
      });
      assert.equal(
        pathCall(g, "path_unlink_file", sub, "inner.txt"),
        Errno.ENOTCAPABLE,
      );
      assert.equal(
        open(g, sub, "new", { oflags: O_CREAT })[0],
        Errno.ENOTCAPABLE,
      );
    });
    assert.deepEqual(snapshot(ro), before);
    assert.deepEqual(snapshot(rw), before);
  });
});
