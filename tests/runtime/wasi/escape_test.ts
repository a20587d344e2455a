import assert from "node:assert/strict";
import { Errno } from "../../../runtime/wasi/mod.ts";
import { type Guest, withGuest } from "./_guest.ts";
import {
  ALL,
  FOLLOW,
  O_CREAT,
  O_DIRECTORY,
  open,
  PATH,
  pathCall,
  read,
} from "./_fs.ts";
import { tempDir } from "../../_helpers/temp.ts";

/**
 * A sandbox: <base>/root is the preopen, <base>/outside/secret.txt must stay
 * out of reach. Links inside root point out in several ways.
 */
async function withSandbox(test: (root: string, outside: string) => void) {
  const base = await Deno.realPath(
    await tempDir({ prefix: "eddy_esc_" }),
  );
  const root = `${base}/root`, outside = `${base}/outside`;
  try {
    Deno.mkdirSync(`${root}/sub`, { recursive: true });
    Deno.mkdirSync(outside);
    Deno.writeTextFileSync(`${outside}/secret.txt`, "secret");
    Deno.writeTextFileSync(`${root}/ok.txt`, "ok");
    Deno.symlinkSync(outside, `${root}/abs_out`); // absolute, to a dir outside
    Deno.symlinkSync("../outside", `${root}/rel_out`); // relative, outside
    Deno.symlinkSync("../../outside/secret.txt", `${root}/sub/deep_out`);
    Deno.symlinkSync("../outside/new.txt", `${root}/dangling_out`);
    Deno.symlinkSync("/etc/passwd", `${root}/passwd`);
    Deno.symlinkSync("ok.txt", `${root}/in`); // stays inside: fine
    Deno.symlinkSync(".", `${root}/self`); // the root itself: fine
    Deno.symlinkSync("loop", `${root}/loop`);
    test(root, outside);
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
}

const preopen = (
  root: string,
) => [{ hostPath: root, guestPath: "/sandbox", writable: true }];

const ESCAPES = [
  "../outside/secret.txt",
  "/etc/passwd",
  "sub/../../outside/secret.txt",
  "..",
  "sub/../..",
  "abs_out/secret.txt",
  "rel_out/secret.txt",
  "sub/deep_out",
  "passwd",
  "abs_out",
];

function stat(g: Guest, fd: number, path: string, flags = FOLLOW): number {
  const len = g.put(PATH, path);
  return g.call("path_filestat_get", fd, flags, PATH, len, 3000);
}

Deno.test("escape attempts by path answer ENOTCAPABLE and read nothing", async () => {
  await withSandbox((root) => {
    withGuest({ preopens: preopen(root) }, (g) => {
      for (const path of ESCAPES) {
        assert.equal(open(g, 3, path)[0], Errno.ENOTCAPABLE, `open ${path}`);
        assert.equal(stat(g, 3, path), Errno.ENOTCAPABLE, `stat ${path}`);
        assert.equal(
          open(g, 3, path, { oflags: O_DIRECTORY })[0],
          Errno.ENOTCAPABLE,
          `opendir ${path}`,
        );
      }
      // Not following the last link only looks at the link itself.
      assert.equal(stat(g, 3, "abs_out", 0), Errno.ESUCCESS);
      assert.equal(g.u8[3016], 7);
      assert.equal(open(g, 3, "passwd", { lookup: 0 })[0], Errno.ELOOP);
      // An opened subdirectory confines to itself, as wasmtime's do.
      const [, sub] = open(g, 3, "sub", { oflags: O_DIRECTORY });
      assert.equal(open(g, sub, "../ok.txt")[0], Errno.ENOTCAPABLE);
      assert.equal(
        open(g, sub, "../../outside/secret.txt")[0],
        Errno.ENOTCAPABLE,
      );
      assert.equal(open(g, sub, "deep_out")[0], Errno.ENOTCAPABLE);
      // Links that stay inside work.
      const [errno, fd] = open(g, 3, "in");
      assert.equal(errno, Errno.ESUCCESS);
      assert.deepEqual(read(g, fd), [0, "ok"]);
      assert.equal(open(g, 3, "self/ok.txt")[0], Errno.ESUCCESS);
      assert.equal(
        open(g, 3, "self", { oflags: O_DIRECTORY })[0],
        Errno.ESUCCESS,
      );
      assert.equal(open(g, 3, "loop")[0], Errno.ELOOP);
      // A missing name inside answers ENOENT before any `..` is reached;
      // what lies outside changes no answer.
      assert.equal(open(g, 3, "a/../../outside/secret.txt")[0], Errno.ENOENT);
      for (const path of ["rel_out/secret.txt", "rel_out/missing/x"]) {
        assert.equal(open(g, 3, path)[0], Errno.ENOTCAPABLE, path);
        assert.equal(stat(g, 3, path), Errno.ENOTCAPABLE, path);
      }
    });
  });
});

Deno.test("escape attempts that would change files touch nothing outside", async () => {
  await withSandbox((root, outside) => {
    withGuest({ preopens: preopen(root) }, (g) => {
      const create = { oflags: O_CREAT, base: ALL };
      for (
        const path of [
          "../outside/new.txt",
          "abs_out/new.txt",
          "rel_out/new.txt",
          "dangling_out",
        ]
      ) {
        assert.equal(open(g, 3, path, create)[0], Errno.ENOTCAPABLE, path);
      }
      for (const path of ["../outside/d", "abs_out/d", "rel_out/d", "/tmp/d"]) {
        assert.equal(
          pathCall(g, "path_create_directory", 3, path),
          Errno.ENOTCAPABLE,
          path,
        );
      }
      for (
        const path of [
          "../outside/secret.txt",
          "abs_out/secret.txt",
          "rel_out/secret.txt",
        ]
      ) {
        assert.equal(
          pathCall(g, "path_unlink_file", 3, path),
          Errno.ENOTCAPABLE,
          path,
        );
      }
      assert.equal(
        pathCall(g, "path_remove_directory", 3, "../outside"),
        Errno.ENOTCAPABLE,
      );
      const rename = (from: string, to: string) => {
        const a = g.put(PATH, from), b = g.put(PATH + 512, to);
        return g.call("path_rename", 3, PATH, a, 3, PATH + 512, b);
      };
      assert.equal(
        rename("ok.txt", "../outside/stolen.txt"),
        Errno.ENOTCAPABLE,
      );
      assert.equal(rename("ok.txt", "abs_out/stolen.txt"), Errno.ENOTCAPABLE);
      assert.equal(rename("abs_out/secret.txt", "mine.txt"), Errno.ENOTCAPABLE);
      const link = (from: string, to: string, flags = 0) => {
        const a = g.put(PATH, from), b = g.put(PATH + 512, to);
        return g.call("path_link", 3, flags, PATH, a, 3, PATH + 512, b);
      };
      assert.equal(link("rel_out/secret.txt", "mine.txt"), Errno.ENOTCAPABLE);
      // Following a symlink for path_link is refused outright (as wasmtime).
      assert.equal(link("sub/deep_out", "mine.txt", FOLLOW), Errno.EINVAL);
      // Creating links whose target would lead out.
      const symlink = (target: string, path: string) => {
        const a = g.put(PATH, target), b = g.put(PATH + 512, path);
        return g.call("path_symlink", PATH, a, 3, PATH + 512, b);
      };
      assert.equal(symlink("../outside", "out2"), Errno.ENOTCAPABLE);
      assert.equal(symlink("/etc", "out3"), Errno.ENOTCAPABLE);
      assert.equal(symlink("../../x", "sub/out4"), Errno.ENOTCAPABLE);
      // No `..` at all: a later rename could make any `..` reach further.
      assert.equal(symlink("../ok.txt", "sub/up"), Errno.ENOTCAPABLE);
      assert.equal(symlink("ok.txt", "fine"), Errno.ESUCCESS);
      const times = g.put(PATH, "abs_out/secret.txt");
      assert.equal(
        g.call("path_filestat_set_times", 3, FOLLOW, PATH, times, 0n, 0n, 2),
        Errno.ENOTCAPABLE,
      );
    });
    assert.deepEqual([...Deno.readDirSync(outside)].map((e) => e.name), [
      "secret.txt",
    ]);
    assert.equal(Deno.readTextFileSync(`${outside}/secret.txt`), "secret");
  });
});
