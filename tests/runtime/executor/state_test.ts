import assert from "node:assert/strict";
import { join } from "node:path";
import { runGuest } from "../../../runtime/executor/run.ts";
import type { JobSpec } from "../../../runtime/executor/job.ts";
import { openEmbeddedStore } from "../../../state/mod.ts";
import { REPO_ROOT } from "../../_helpers/node_process.ts";
import { wat } from "../../_helpers/wat.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function spec(dir: string, readOnly = false): JobSpec {
  return {
    fn: "f",
    args: ["f"],
    env: {},
    preopens: [],
    state: {
      store: { kind: "embedded", dir },
      mounts: [{ bucket: "b", mount: "/state", readOnly }],
    },
    timeoutMs: 5000,
    maxMemoryBytes: 1 << 26,
    maxOutputBytes: 1 << 20,
  };
}

const W = "wasi_snapshot_preview1";
/** Reads key k as of several opens, writes it through one fd, syncs, closes. */
const SEMANTICS = wat(`(module
  (import "${W}" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "${W}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "${W}" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "${W}" "fd_sync" (func $fd_sync (param i32) (result i32)))
  (import "${W}" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "${W}" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "k")
  (data (i32.const 110) "new")
  (data (i32.const 120) "x")
  (data (i32.const 130) "|")
  (func $open (param $oflags i32) (param $rights i64) (result i32)
    (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 1)
      (local.get $oflags) (local.get $rights) (i64.const 0) (i32.const 0) (i32.const 0)))
    (i32.load (i32.const 0)))
  (func $emit (param $ptr i32) (param $len i32)
    (call $put (i32.const 1) (local.get $ptr) (local.get $len)))
  (func $put (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 16) (local.get $ptr))
    (i32.store (i32.const 20) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24))))
  (func $cat (param $fd i32)
    (i32.store (i32.const 16) (i32.const 200))
    (i32.store (i32.const 20) (i32.const 64))
    (drop (call $fd_read (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24)))
    (call $emit (i32.const 200) (i32.load (i32.const 24)))
    (call $emit (i32.const 130) (i32.const 1)))
  (func (export "_start") (local $r1 i32) (local $w i32)
    (local.set $r1 (call $open (i32.const 0) (i64.const 2)))
    (local.set $w (call $open (i32.const 9) (i64.const 80)))
    (call $put (local.get $w) (i32.const 110) (i32.const 3))
    (call $cat (call $open (i32.const 0) (i64.const 2)))
    (drop (call $fd_sync (local.get $w)))
    (call $cat (call $open (i32.const 0) (i64.const 2)))
    (call $put (local.get $w) (i32.const 120) (i32.const 1))
    (drop (call $fd_close (local.get $w)))
    (call $cat (call $open (i32.const 0) (i64.const 2)))
    (call $cat (local.get $r1))
    (drop (call $stat (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 300)))
    (call $emit (i32.const 332) (i32.const 8))
    (call $emit (i32.const 348) (i32.const 8))))`);

Deno.test("a key is a file: read as of the open, one put per close or sync", async () => {
  const dir = await Deno.makeTempDir();
  const store = openEmbeddedStore(dir);
  try {
    const bucket = store.bucketSync("b");
    await bucket.put("k", enc.encode("old"));
    const before = Date.now();
    const module = await WebAssembly.compile(SEMANTICS);
    const result = await runGuest({ module }, spec(dir));
    assert.equal(result.failure, undefined, result.stderr);
    const out = result.stdout;
    assert.equal(
      dec.decode(out.subarray(0, out.length - 16)),
      "old|new|newx|old|",
    );
    const view = new DataView(out.buffer, out.byteOffset + out.length - 16);
    assert.equal(view.getBigUint64(0, true), 4n);
    const mtimMs = Number(view.getBigUint64(8, true) / 1_000_000n);
    assert.ok(mtimMs >= before - 1 && mtimMs <= Date.now() + 1, `${mtimMs}`);
    assert.equal(dec.decode(bucket.getSync("k")!.value), "newx");
    assert.deepEqual(result.state, { reads: 6, writes: 2 });
  } finally {
    await store[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a C guest's stdio and POSIX calls work unchanged on a state mount", async () => {
  const dir = await Deno.makeTempDir();
  const store = openEmbeddedStore(dir);
  try {
    const notes = await WebAssembly.compile(
      await Deno.readFile(join(REPO_ROOT, "examples/notes/notes.wasm")),
    );
    const run = async (args: string[], stdin = "", readOnly = false) => {
      const s = spec(dir, readOnly);
      s.state!.mounts[0].mount = "/data";
      const result = await runGuest({ module: notes }, {
        ...s,
        args: ["notes", ...args],
      }, {
        stdin: enc.encode(stdin),
      });
      return { ...result, text: dec.decode(result.stdout) };
    };
    assert.equal((await run(["put", "todo"], "buy milk")).exitCode, 0);
    assert.equal((await run(["put", "done"], "sleep")).exitCode, 0);
    assert.equal((await run(["ls"])).text, "done\ntodo\n");
    assert.equal((await run(["get", "todo"])).text, "buy milk");
    assert.equal((await run(["rm", "done"])).exitCode, 0);
    assert.equal((await run(["ls"])).text, "todo\n");
    const missing = await run(["get", "done"]);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /No such file or directory/);
    const refused = await run(["put", "todo"], "x", true);
    assert.equal(refused.exitCode, 1);
    assert.equal(
      dec.decode(store.bucketSync("b").getSync("todo")!.value),
      "buy milk",
    );
    const big = await run(["put", "big"], "x".repeat((1 << 20) + 1));
    assert.equal(big.exitCode, 1);
    assert.match(big.stderr, /File too large/);
    // Exiting closes what is open, as POSIX does: the bytes written up to
    // the limit are put.
    assert.equal(store.bucketSync("b").getSync("big")!.value.length, 1 << 20);
  } finally {
    await store[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a Rust guest's std::fs works unchanged on a state mount", async () => {
  const dir = await Deno.makeTempDir();
  const store = openEmbeddedStore(dir);
  try {
    const guestbook = await WebAssembly.compile(
      await Deno.readFile(join(REPO_ROOT, "examples/guestbook/guestbook.wasm")),
    );
    const run = async (args: string[], stdin = "") => {
      const s = spec(dir);
      s.state!.mounts[0] = {
        bucket: "guestbook",
        mount: "/book",
        readOnly: false,
      };
      const result = await runGuest({ module: guestbook }, {
        ...s,
        args: ["guestbook", ...args],
      }, { stdin: enc.encode(stdin) });
      assert.equal(result.failure, undefined, result.stderr);
      return dec.decode(result.stdout);
    };
    await run(["sign", "zoe"], "hello!\n");
    await run(["sign", "adam"], "first");
    await run(["sign", "zoe"], "again");
    assert.equal(await run(["read"]), "adam (5 B): first\nzoe (5 B): again\n");
    const keys = store.bucketSync("guestbook").listSync().keys;
    assert.deepEqual(keys, ["adam", "zoe"]);
  } finally {
    await store[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("open state files hold at most 32 MiB of values per run (ENOMEM past it)", async () => {
  const dir = await Deno.makeTempDir();
  const store = openEmbeddedStore(dir);
  try {
    await store.bucketSync("b").put("k", new Uint8Array(1 << 20));
    // Opens k 40 times without closing; writes how many opens succeeded
    // and the errno of the first that failed.
    const module = await WebAssembly.compile(wat(`(module
      (import "${W}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (import "${W}" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 100) "k")
      (func (export "_start") (local $i i32) (local $e i32)
        (block $done (loop $next
          (local.set $e (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 1)
            (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0)))
          (br_if $done (local.get $e))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $next (i32.lt_u (local.get $i) (i32.const 40)))))
        (i32.store8 (i32.const 200) (local.get $i))
        (i32.store8 (i32.const 201) (local.get $e))
        (i32.store (i32.const 16) (i32.const 200))
        (i32.store (i32.const 20) (i32.const 2))
        (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))`));
    const result = await runGuest({ module }, spec(dir));
    assert.equal(result.failure, undefined, result.stderr);
    assert.deepEqual([...result.stdout], [32, 48]); // 32 opens, then ENOMEM
    // Closing gives it back: the next run can open as many again.
    const again = await runGuest({ module }, spec(dir));
    assert.deepEqual([...again.stdout], [32, 48]);
  } finally {
    await store[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});
