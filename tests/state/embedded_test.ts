import assert from "node:assert/strict";
import { openEmbeddedStore, StateError } from "../../state/mod.ts";
import { statusOf } from "../../api/status.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("the embedded store puts, gets, lists, deletes and compares-and-swaps", async () => {
  const dir = await Deno.makeTempDir();
  const store = openEmbeddedStore(dir);
  try {
    const carts = store.bucketSync("carts");
    assert.equal(carts.getSync("alice"), undefined);
    const r1 = await carts.put("alice", bytes("1"));
    const r2 = await carts.put("alice", bytes("2"));
    assert.ok(BigInt(r2) > BigInt(r1));
    const entry = carts.getSync("alice")!;
    assert.deepEqual([...entry.value], [...bytes("2")]);
    assert.equal(entry.revision, r2);
    assert.ok(Math.abs(entry.updatedAt - Date.now()) < 5000);
    // Compare-and-swap: a stale revision changes nothing.
    assert.equal(await carts.cas("alice", bytes("x"), r1), undefined);
    assert.equal(await carts.cas("alice", bytes("x"), null), undefined);
    const r3 = await carts.cas("alice", bytes("3"), r2);
    assert.ok(r3 !== undefined);
    assert.equal(await carts.cas("bob", bytes("b"), null) !== undefined, true);
    // Deleted and created again: a new revision, never an old one (no ABA).
    await carts.delete("alice");
    await carts.delete("alice");
    assert.equal(carts.getSync("alice"), undefined);
    const r4 = await carts.put("alice", bytes("4"));
    assert.ok(BigInt(r4) > BigInt(r3!));
    assert.equal(await carts.cas("alice", null, r3!), undefined);
    assert.equal(await carts.cas("alice", null, r4), "");
    // Buckets are separate; keys list in order, paged, by prefix.
    const other = await store.bucket("other");
    await other.put("k", bytes("v"));
    for (const k of ["a1", "a2", "a3", "b1"]) await carts.put(k, bytes(k));
    assert.deepEqual(carts.listSync(), {
      keys: ["a1", "a2", "a3", "b1", "bob"],
    });
    assert.deepEqual(carts.listSync({ limit: 2 }), {
      keys: ["a1", "a2"],
      next: "a2",
    });
    assert.deepEqual(carts.listSync({ limit: 2, after: "a2" }), {
      keys: ["a3", "b1"],
      next: "b1",
    });
    assert.deepEqual(await carts.list({ prefix: "a", after: "a1" }), {
      keys: ["a2", "a3"],
    });
    assert.deepEqual(other.listSync(), { keys: ["k"] });
  } finally {
    await store[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad bucket names and keys are typed errors", async () => {
  const dir = await Deno.makeTempDir();
  const store = openEmbeddedStore(dir);
  try {
    await assert.rejects(() => store.bucket("../x"), (e: StateError) => {
      assert.equal(e.code, "invalid_bucket");
      assert.equal(statusOf(e), 400);
      return true;
    });
    const b = store.bucketSync("b");
    for (
      const key of [
        "",
        ".",
        "..",
        ".hidden",
        "a/b",
        "a b",
        "x.",
        "k\0",
        "é",
        "x".repeat(256),
      ]
    ) {
      await assert.rejects(
        () => b.put(key, bytes("v")),
        (e: StateError) => e.code === "invalid_key",
        key,
      );
    }
    await b.put("x".repeat(255), bytes("v"));
    await b.put("a.b_c=d-e", bytes("v"));
  } finally {
    await store[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two connections (isolates) see each other's writes and never lose a compare-and-swap", async () => {
  const dir = await Deno.makeTempDir();
  const one = openEmbeddedStore(dir);
  const two = openEmbeddedStore(dir);
  try {
    const a = one.bucketSync("c");
    const b = two.bucketSync("c");
    await a.put("n", bytes("0"));
    assert.equal(new TextDecoder().decode(b.getSync("n")!.value), "0");
    // Interleaved read-modify-writes from both connections, retried on conflict.
    let conflicts = 0;
    for (let i = 0; i < 100; i++) {
      const [first, second] = i % 2 ? [a, b] : [b, a];
      const seen = first.getSync("n")!;
      const racing = second.getSync("n")!;
      const bump = (e: typeof seen) =>
        bytes(String(Number(new TextDecoder().decode(e.value)) + 1));
      assert.ok(second.casSync("n", bump(racing), racing.revision));
      if (first.casSync("n", bump(seen), seen.revision) === undefined) {
        conflicts++;
        const again = first.getSync("n")!;
        assert.ok(first.casSync("n", bump(again), again.revision));
      }
    }
    assert.equal(conflicts, 100);
    assert.equal(new TextDecoder().decode(a.getSync("n")!.value), "200");
  } finally {
    await one[Symbol.asyncDispose]();
    await two[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a fresh store opened by four isolates at once opens in each", async () => {
  // SQLite answers one of them "database is locked" at once, without
  // waiting, while another turns the new file to WAL (1 open in 160 failed
  // so, 4 at a time): opening waits that out.
  const workers = Array.from(
    { length: 4 },
    () =>
      new Worker(new URL("./_opener_worker.ts", import.meta.url), {
        type: "module",
      }),
  );
  const failures: string[] = [];
  try {
    for (let round = 0; round < 100; round++) {
      const dir = await Deno.makeTempDir();
      const answers = await Promise.all(
        workers.map((worker) =>
          new Promise<string>((resolve) => {
            worker.onmessage = (event) => resolve(event.data);
            worker.postMessage(dir);
          })
        ),
      );
      failures.push(...answers.filter((answer) => answer !== "ok"));
      await Deno.remove(dir, { recursive: true });
    }
  } finally {
    for (const worker of workers) worker.terminate();
  }
  assert.deepEqual(failures, []);
});
