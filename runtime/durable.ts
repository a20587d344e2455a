/**
 * Crash-safe file replacement: a reader of the target path sees either the
 * old content or the new content, never a mix or an empty file, even when the
 * process is killed (or the machine loses power) in the middle of a write.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

const TEMP_SUFFIX = ".tmp";

/**
 * Replaces `path` with `data` atomically and durably: writes a temp file in
 * the same directory (a rename is only atomic within one file system), syncs
 * it so the rename can never expose unwritten blocks, renames it over the
 * target, then syncs the directory so the rename itself survives a power cut.
 *
 * A crash leaves at most a stray `.<name>.<random>.tmp` file next to the
 * target; {@link removeTempFiles} cleans those up at startup.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./durable.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/state.json`, JSON.stringify({ version: 1 }));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
): Promise<void> {
  const bytes = typeof data === "string"
    ? new TextEncoder().encode(data)
    : data;
  const dir = dirname(path);
  const temp = join(dir, _tempName(basename(path)));
  try {
    const file = await Deno.open(temp, { write: true, createNew: true });
    try {
      // FsFile.write may write fewer bytes than asked for.
      for (let offset = 0; offset < bytes.length;) {
        offset += await file.write(bytes.subarray(offset));
      }
      await file.syncData();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  await _syncDirectory(dir);
}

/**
 * Deletes the temp files a crashed {@link writeFileAtomic} left in `dir`.
 * With `target`, only the temp files of that one file name are removed, so a
 * directory shared with other writers keeps their files.
 *
 * Call it before anything writes to `dir`: a temp file that is in use by a
 * running write would otherwise be deleted under it.
 *
 * @returns the names of the removed files.
 *
 * @example
 * ```ts
 * import { removeTempFiles } from "./durable.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/.state.json.1a2b3c4d.tmp`, "{\"vers");
 * console.log(await removeTempFiles(dir, { target: "state.json" })); // [".state.json.1a2b3c4d.tmp"]
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function removeTempFiles(
  dir: string,
  options: { target?: string } = {},
): Promise<string[]> {
  const prefix = options.target === undefined ? "" : `.${options.target}.`;
  const removed: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (
      entry.isFile && entry.name.startsWith(prefix) &&
      entry.name.endsWith(TEMP_SUFFIX)
    ) {
      await Deno.remove(join(dir, entry.name));
      removed.push(entry.name);
    }
  }
  return removed;
}

/** Hidden, unique per write so concurrent writers never share a temp file. */
function _tempName(target: string): string {
  const random = crypto.getRandomValues(new Uint32Array(1))[0].toString(16);
  return `.${target}.${random.padStart(8, "0")}${TEMP_SUFFIX}`;
}

/** Makes a rename in `dir` durable; Windows cannot open directories. */
async function _syncDirectory(dir: string): Promise<void> {
  if (Deno.build.os === "windows") return;
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}
