import assert from "node:assert/strict";
import { removeTempFiles, writeFileAtomic } from "../../runtime/durable.ts";
import { caught } from "../_helpers/module_guest.ts";
import { tempDir } from "../_helpers/temp.ts";

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) out.push(entry.name);
  return out.sort();
}

Deno.test("writeFileAtomic writes a new file from a string or bytes", async () => {
  const dir = await tempDir();
  await writeFileAtomic(`${dir}/a.json`, '{"a":1}');
  await writeFileAtomic(`${dir}/b.bin`, new Uint8Array([1, 2, 3]));
  assert.equal(await Deno.readTextFile(`${dir}/a.json`), '{"a":1}');
  assert.deepEqual(
    await Deno.readFile(`${dir}/b.bin`),
    new Uint8Array([1, 2, 3]),
  );
  assert.deepEqual(await names(dir), ["a.json", "b.bin"]);
});

Deno.test("writeFileAtomic replaces an existing file and leaves no temp file", async () => {
  const dir = await tempDir();
  await writeFileAtomic(`${dir}/state`, "old old old old");
  await writeFileAtomic(`${dir}/state`, "new");
  assert.equal(await Deno.readTextFile(`${dir}/state`), "new");
  assert.deepEqual(await names(dir), ["state"]);
});

Deno.test("writeFileAtomic writes large and empty contents whole", async () => {
  const dir = await tempDir();
  const large = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => i % 251);
  await writeFileAtomic(`${dir}/large`, large);
  await writeFileAtomic(`${dir}/empty`, "");
  assert.deepEqual(await Deno.readFile(`${dir}/large`), large);
  assert.equal((await Deno.stat(`${dir}/empty`)).size, 0);
});

Deno.test("concurrent writeFileAtomic calls leave one complete version", async () => {
  const dir = await tempDir();
  const versions = Array.from(
    { length: 20 },
    (_, i) => `version ${i} `.repeat(1000),
  );
  await Promise.all(versions.map((v) => writeFileAtomic(`${dir}/state`, v)));
  assert.ok(versions.includes(await Deno.readTextFile(`${dir}/state`)));
  assert.deepEqual(await names(dir), ["state"]);
});

Deno.test("a failed writeFileAtomic removes its temp file and keeps the target", async () => {
  const dir = await tempDir();
  await Deno.mkdir(`${dir}/target`);
  await Deno.writeTextFile(`${dir}/target/keep`, "x");
  // Renaming a file over a non-empty directory fails.
  const error = await caught(() => writeFileAtomic(`${dir}/target`, "data"));
  assert.ok(error instanceof Error);
  assert.deepEqual(await names(dir), ["target"]);
  assert.deepEqual(await names(`${dir}/target`), ["keep"]);
});

Deno.test("writeFileAtomic into a missing directory fails with NotFound", async () => {
  const dir = await tempDir();
  const error = await caught(() =>
    writeFileAtomic(`${dir}/missing/state`, "x")
  );
  assert.ok(error instanceof Deno.errors.NotFound);
  assert.deepEqual(await names(dir), []);
});

Deno.test("removeTempFiles removes every temp file, or only one target's", async () => {
  const dir = await tempDir();
  for (
    const name of [
      ".state.json.0a1b2c3d.tmp",
      ".other.1234abcd.tmp",
      "state.json",
      "notes.txt",
    ]
  ) {
    await Deno.writeTextFile(`${dir}/${name}`, "partial");
  }
  assert.deepEqual(await removeTempFiles(dir, { target: "state.json" }), [
    ".state.json.0a1b2c3d.tmp",
  ]);
  assert.deepEqual(await names(dir), [
    ".other.1234abcd.tmp",
    "notes.txt",
    "state.json",
  ]);
  assert.deepEqual(await removeTempFiles(dir), [".other.1234abcd.tmp"]);
  assert.deepEqual(await names(dir), ["notes.txt", "state.json"]);
});
