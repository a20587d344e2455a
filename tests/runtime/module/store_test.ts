import assert from "node:assert/strict";
import {
  EddyError,
  ModuleError,
  NotFoundError,
} from "../../../runtime/errors.ts";
import {
  estimatedCompiledBytes,
  ModuleStore,
} from "../../../runtime/module/mod.ts";
import { caught, guest, instantiate } from "../../_helpers/module_guest.ts";
import { tempDir } from "../../_helpers/temp.ts";
import { statusOf } from "../../../api/status.ts";

const MiB = 1024 * 1024;

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) out.push(entry.name);
  return out.sort();
}

function fileOf(store: ModuleStore, digest: string): string {
  return `${store.dir}/${digest.slice("sha256:".length)}.wasm`;
}

Deno.test("put stores a module under its digest and reports its info", async () => {
  const store = await ModuleStore.open(`${await tempDir()}/modules`);
  const bytes = guest({ initialPages: 2 });
  const info = await store.put(bytes);
  assert.match(info.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(info.size, bytes.length);
  assert.deepEqual(info.memory, { initialPages: 2 });
  assert.deepEqual(await Deno.readFile(fileOf(store, info.digest)), bytes);
  assert.equal(store.has(info.digest), true);
  assert.deepEqual(await store.info(info.digest), info);
  assert.deepEqual(await store.list(), [info]);
});

Deno.test("put is idempotent: the same bytes give the same digest and no rewrite", async () => {
  const store = await ModuleStore.open(await tempDir());
  const bytes = guest();
  const first = await store.put(bytes);
  const before = await Deno.stat(fileOf(store, first.digest));
  const again = await store.put(bytes.slice());
  assert.deepEqual(again, first);
  // Same inode: the file was not replaced.
  assert.equal((await Deno.stat(fileOf(store, first.digest))).ino, before.ino);
  // Also across a reopen, where the store has not read the file yet.
  const reopened = await ModuleStore.open(store.dir);
  await reopened.put(bytes);
  assert.equal((await Deno.stat(fileOf(store, first.digest))).ino, before.ino);
  assert.deepEqual(await names(store.dir), [`${first.digest.slice(7)}.wasm`]);
});

Deno.test("put refuses an invalid module and stores nothing", async () => {
  const store = await ModuleStore.open(await tempDir());
  const error = await caught(() => store.put(new Uint8Array([1, 2, 3, 4])));
  assert.ok(error instanceof ModuleError);
  assert.equal(error.code, "invalid_module");
  assert.match(error.problems[0], /^not a WebAssembly module: /);
  assert.deepEqual(await names(store.dir), []);
  assert.deepEqual(await store.list(), []);
});

Deno.test("a reopened store finds its modules lazily and compiles them", async () => {
  const dir = await tempDir();
  const first = await ModuleStore.open(dir);
  const a = await first.put(guest({ tag: "a" }));
  const b = await first.put(guest({ tag: "b", initialPages: 3 }));
  const store = await ModuleStore.open(dir);
  assert.equal(store.has(a.digest), true);
  assert.equal(store.has(b.digest), true);
  const module = await store.compiled(a.digest, 4 * 65536);
  assert.equal(instantiate(module).grow(3), 1);
  assert.deepEqual(await store.info(a.digest), a);
  const byDigest = [a, b].sort((x, y) => x.digest < y.digest ? -1 : 1);
  assert.deepEqual(await store.list(), byDigest);
});

Deno.test("open removes stray temp files and ignores unrelated files", async () => {
  const dir = await tempDir();
  const { digest } = await (await ModuleStore.open(dir)).put(guest());
  const hex = digest.slice(7);
  await Deno.writeFile(
    `${dir}/.${hex}.wasm.0badf00d.tmp`,
    guest().slice(0, 10),
  );
  await Deno.writeTextFile(`${dir}/README`, "not a module");
  await Deno.writeTextFile(
    `${dir}/${"g".repeat(64)}.wasm`,
    "not a digest name",
  );
  const store = await ModuleStore.open(dir);
  assert.deepEqual(
    await names(dir),
    [`${"g".repeat(64)}.wasm`, `${hex}.wasm`, "README"].sort(),
  );
  assert.deepEqual((await store.list()).map((m) => m.digest), [digest]);
});

Deno.test("a module whose file no longer matches its digest is reported corrupt", async () => {
  const dir = await tempDir();
  const bytes = guest();
  const { digest } = await (await ModuleStore.open(dir)).put(bytes);
  const other = guest({ tag: "other" });
  await Deno.writeFile(`${dir}/${digest.slice(7)}.wasm`, other);

  const store = await ModuleStore.open(dir);
  const error = await caught(() => store.info(digest));
  assert.ok(error instanceof EddyError);
  assert.equal(error.code, "corrupt_module");
  assert.equal(statusOf(error), 500);
  assert.equal(
    error.message,
    `stored module ${digest} is corrupt (its content does not match its digest); upload it again`,
  );
  assert.equal(error.details.digest, digest);
  assert.equal(store.has(digest), false);
  assert.deepEqual(await store.list(), []);

  // compiled() checks too, and uploading the module again repairs it.
  const again = await ModuleStore.open(dir);
  const compileError = await caught(() => again.compiled(digest, MiB));
  assert.ok(compileError instanceof EddyError);
  assert.equal(compileError.code, "corrupt_module");
  await again.put(bytes);
  assert.deepEqual(
    await Deno.readFile(`${dir}/${digest.slice(7)}.wasm`),
    bytes,
  );
  await again.compiled(digest, MiB);
});

Deno.test("compiled compiles once per digest and page limit", async () => {
  const store = await ModuleStore.open(await tempDir());
  const { digest } = await store.put(guest());
  const [a, b] = await Promise.all([
    store.compiled(digest, MiB),
    store.compiled(digest, MiB),
  ]);
  assert.equal(a, b);
  // Limits are whole pages: one byte more is the same limit.
  assert.equal(await store.compiled(digest, MiB + 1), a);
  assert.notEqual(await store.compiled(digest, 2 * MiB), a);
  assert.equal(await store.compiled(digest), await store.compiled(digest));
});

Deno.test("put compiles nothing it keeps: the first compiled() compiles", async () => {
  const store = await ModuleStore.open(await tempDir());
  const { digest } = await store.put(guest());
  assert.equal(store.compiledCount, 0);
  const { cost } = await store.compiled(digest, MiB);
  assert.equal(cost, estimatedCompiledBytes(guest().length));
  assert.equal(store.compiledCount, 1);
  assert.equal(store.compileCache.bytes, cost);
});

Deno.test("past its budget the compile cache drops the least recently used modules", async () => {
  const tags = ["a", "b", "c", "d"];
  const one = estimatedCompiledBytes(guest({ tag: "a" }).length);
  // Room for two.
  const store = await ModuleStore.open(await tempDir(), {
    budgetBytes: 2 * one + 10,
  });
  const digests = [];
  for (const tag of tags) {
    digests.push((await store.put(guest({ tag }))).digest);
  }
  const a = await store.compiled(digests[0], MiB);
  await store.compiled(digests[1], MiB);
  assert.equal(await store.compiled(digests[0], MiB), a); // a is now the newer
  await store.compiled(digests[2], MiB); // drops b, the least recent
  assert.equal(store.compiledCount, 2);
  assert.deepEqual(store.compileCache, {
    bytes: 2 * one,
    budgetBytes: 2 * one + 10,
    evictions: 1,
  });
  assert.equal(await store.compiled(digests[0], MiB), a);
  // b compiles again, and runs as before.
  const b = await store.compiled(digests[1], MiB);
  assert.equal(instantiate(b).grow(1), 1);
  assert.equal(store.compileCache.evictions, 2); // c went
  await store.compiled(digests[3], MiB);
  assert.equal(store.compiledCount, 2);
  assert.equal(store.compileCache.evictions, 3);
});

Deno.test("with a limit the memory is imported, capped at the lower of declared and limit", async () => {
  const store = await ModuleStore.open(await tempDir());
  const { digest } = await store.put(guest({ initialPages: 2, maxPages: 4 }));
  assert.deepEqual((await store.compiled(digest, 64 * MiB)).memory, {
    initialPages: 2,
    maxPages: 4,
  });
  assert.deepEqual((await store.compiled(digest, 3 * 65536)).memory, {
    initialPages: 2,
    maxPages: 3,
  });
  assert.equal((await store.compiled(digest)).memory, undefined);
  const imports = WebAssembly.Module.imports(
    (await store.compiled(digest, MiB)).module,
  );
  assert.deepEqual(imports.slice(-2), [
    { module: "eddy:runtime", name: "memory", kind: "memory" },
    { module: "eddy:runtime", name: "interrupt", kind: "memory" },
  ]);
});

Deno.test("compiled caps memory at the limit", async () => {
  const store = await ModuleStore.open(await tempDir());
  const { digest } = await store.put(guest());
  const capped = instantiate(await store.compiled(digest, 2 * 65536));
  assert.equal(capped.grow(1), 1);
  assert.equal(capped.grow(1), -1);
  assert.equal(instantiate(await store.compiled(digest)).grow(8), 1);
});

Deno.test("compiled refuses a limit below the module's initial memory", async () => {
  const store = await ModuleStore.open(await tempDir());
  const { digest } = await store.put(guest({ initialPages: 32 }));
  const error = await caught(() => store.compiled(digest, MiB));
  assert.ok(error instanceof ModuleError);
  assert.deepEqual(error.problems, [
    "module needs 2 MiB initial memory, limit is 1 MiB",
  ]);
  // The failure is not cached: a fitting limit still works.
  await store.compiled(digest, 2 * MiB);
});

Deno.test("compiled and info of an unknown or vanished module", async () => {
  const store = await ModuleStore.open(await tempDir());
  const unknown = `sha256:${"0".repeat(64)}`;
  const error = await caught(() => store.compiled(unknown));
  assert.ok(error instanceof NotFoundError);
  assert.equal(error.code, "not_found");
  assert.equal(statusOf(error), 404);
  assert.equal(error.message, `no module named '${unknown}'`);
  assert.equal(await store.info(unknown), undefined);

  const { digest } = await store.put(guest());
  const reopened = await ModuleStore.open(store.dir);
  await Deno.remove(fileOf(store, digest));
  assert.equal(await reopened.info(digest), undefined);
  assert.equal(reopened.has(digest), false);
  const again = await ModuleStore.open(store.dir);
  const gone = await caught(() => again.compiled(digest, MiB));
  assert.ok(gone instanceof NotFoundError);
});

Deno.test("remove deletes the file, the index entry and the compiled forms", async () => {
  const store = await ModuleStore.open(await tempDir());
  const { digest } = await store.put(guest());
  await store.compiled(digest, MiB);
  await store.remove(digest);
  assert.equal(store.has(digest), false);
  assert.equal(await store.info(digest), undefined);
  assert.deepEqual(await names(store.dir), []);
  assert.ok(
    await caught(() => store.compiled(digest, MiB)) instanceof NotFoundError,
  );
  // Removing it again, or a module never stored, does nothing.
  await store.remove(digest);
  await store.remove(`sha256:${"1".repeat(64)}`);
});
