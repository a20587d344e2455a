/**
 * Temp directories for tests, removed when the test file's isolate ends,
 * whatever the tests did (failed, or left a node's socket behind).
 *
 * @module
 */

const made: string[] = [];

globalThis.addEventListener("unload", () => {
  for (const dir of made) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // The test removed it itself.
    }
  }
});

/**
 * `Deno.makeTempDir`, removed when the test file ends.
 *
 * @example
 * ```ts
 * import { tempDir } from "./temp.ts";
 * const dir = await tempDir();
 * await Deno.writeTextFile(`${dir}/x`, "gone at the end");
 * ```
 */
export async function tempDir(
  options: Deno.MakeTempOptions = {},
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "eddy-test-", ...options });
  made.push(dir);
  return dir;
}
