import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ModuleStore,
  prepare,
  PreparedCache,
} from "../../../runtime/module/mod.ts";
import { guest, instantiate } from "../../_helpers/module_guest.ts";
import { tempDir } from "../../_helpers/temp.ts";

const MiB = 1024 * 1024;

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) out.push(entry.name);
  return out.sort();
}

Deno.test("prepared bytes survive a reopen; a damaged file is dropped, never returned", async () => {
  const parent = join(await tempDir(), "prepared");
  const digest = `sha256:${"b".repeat(64)}`;
  const { bytes } = prepare(guest(), 16);
  const cache = await PreparedCache.open(parent);
  assert.equal(await cache.get(digest, 16), undefined);
  await cache.put(digest, 16, bytes);
  const reopened = await PreparedCache.open(parent);
  assert.equal(reopened.size, 1);
  assert.deepEqual(await reopened.get(digest, 16), bytes);
  assert.equal(await reopened.get(digest, 17), undefined);
  const [name] = await files(reopened.dir);
  const damaged = bytes.slice();
  damaged[damaged.length - 1] ^= 0xff;
  await Deno.writeFile(join(reopened.dir, name), damaged);
  assert.equal(await reopened.get(digest, 16), undefined);
  assert.deepEqual(await files(reopened.dir), []);
});

Deno.test("bytes another rewrite prepared are deleted at open", async () => {
  const parent = join(await tempDir(), "prepared");
  await Deno.mkdir(join(parent, "prepared-0000000000000000"), {
    recursive: true,
  });
  const cache = await PreparedCache.open(parent);
  assert.deepEqual(await files(parent), []);
  await cache.put(`sha256:${"c".repeat(64)}`, 1, prepare(guest(), 1).bytes);
  assert.deepEqual(await files(parent), [cache.dir.split("/").at(-1)]);
});

Deno.test("a store compiles a restarted node's modules from bytes it prepared before, and drops them with the module", async () => {
  const dir = await tempDir();
  const options = { preparedDir: join(dir, "prepared") };
  const store = await ModuleStore.open(join(dir, "modules"), options);
  const { digest } = await store.put(guest({ initialPages: 2 }));
  const first = await store.compiled(digest, MiB);
  const cache = await PreparedCache.open(options.preparedDir);
  assert.equal(cache.size, 1);
  const [name] = await files(cache.dir);

  const reopened = await ModuleStore.open(join(dir, "modules"), options);
  const again = await reopened.compiled(digest, MiB);
  assert.deepEqual(again.memory, first.memory);
  assert.equal(instantiate(again).grow(1), 2);
  assert.deepEqual(await files(cache.dir), [name]);

  // Damaged: prepared afresh from the module, and rewritten.
  await Deno.writeFile(join(cache.dir, name), new Uint8Array([0, 97]));
  const third = await ModuleStore.open(join(dir, "modules"), options);
  assert.equal(instantiate(await third.compiled(digest, MiB)).grow(1), 2);
  assert.deepEqual(await files(cache.dir), [name]);

  await third.remove(digest);
  assert.deepEqual(await files(cache.dir), []);
});
