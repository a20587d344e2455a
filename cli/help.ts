/**
 * Help text layout: flag tables whose descriptions start in one column,
 * however the lines were typed.
 *
 * @module
 */

/** A flag line: two spaces, the flag, two or more spaces, the description. */
const FLAG_LINE = /^ {2}(-\S.*?) {2,}(\S.*)$/;
/** A line continuing the description above it. */
const CONTINUATION = /^ {4,}(\S.*)$/;

/**
 * `text` with each block of flag lines (and their continuation lines)
 * re-aligned so that every description in the block starts two spaces
 * after its longest flag.
 *
 * @example
 * ```ts
 * import { alignFlags } from "./help.ts";
 * console.log(alignFlags("  --a X  one\n  --long-flag  two"));
 * // "  --a X        one\n  --long-flag  two"
 * ```
 */
export function alignFlags(text: string): string {
  const lines = text.split("\n");
  const out: string[] = [];
  let block: { flag?: string; description: string }[] = [];
  const flush = () => {
    const width = Math.max(...block.map((l) => l.flag?.length ?? 0)) + 2;
    for (const l of block) {
      out.push(`  ${(l.flag ?? "").padEnd(width)}${l.description}`);
    }
    block = [];
  };
  for (const line of lines) {
    const flag = FLAG_LINE.exec(line);
    const more = block.length > 0 ? CONTINUATION.exec(line) : null;
    if (flag) block.push({ flag: flag[1], description: flag[2] });
    else if (more) block.push({ description: more[1] });
    else {
      if (block.length > 0) flush();
      out.push(line);
    }
  }
  if (block.length > 0) flush();
  return out.join("\n");
}
