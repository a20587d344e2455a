/**
 * A linear pre-scan of YAML text that bounds what the YAML library would
 * build from it. The library parses on the calling thread in time and
 * memory that grow with nesting and node count (a 200,000-deep document
 * took seconds and hundreds of MB), so a document over a bound is refused
 * before it is parsed. The scan over-estimates (brackets in strings and
 * comments count), never under-estimates.
 *
 * @module
 */
import { ManifestError } from "../errors.ts";

/** How big, deep and wide a manifest or workflow document may be. */
export interface YamlBounds {
  /** Characters of text. */
  maxChars: number;
  /** Collections nested in one another, block and flow together. */
  maxDepth: number;
  /** Collection items and map entries, all together. */
  maxItems: number;
}

/**
 * The bounds of manifests and workflows: far beyond any real one (a
 * function takes ~10 items and 4 levels), and small enough that the
 * largest document admitted parses in well under 200 ms.
 *
 * @example
 * ```ts
 * import { YAML_BOUNDS } from "./bounds.ts";
 * console.log(YAML_BOUNDS.maxDepth); // 64
 * ```
 */
export const YAML_BOUNDS: Readonly<YamlBounds> = Object.freeze({
  maxChars: 1 << 20,
  maxDepth: 64,
  maxItems: 10_000,
});

/** The end of a line that opens a block scalar (`key: |`, `- >-`). */
const BLOCK_SCALAR_START = /(^|\s)[|>][-+0-9]{0,2}$/;
const [OPEN_SEQ, CLOSE_SEQ, OPEN_MAP, CLOSE_MAP, COMMA, COLON, SPACE] = [
  ..."[]{},: ",
].map((c) => c.charCodeAt(0));

/**
 * Throws a `ManifestError` (with `code`) naming the bound `text` exceeds
 * and where.
 *
 * @example
 * ```ts
 * import { checkYamlBounds } from "./bounds.ts";
 * checkYamlBounds("functions: [{ name: echo }]"); // within bounds
 * try {
 *   checkYamlBounds("a: " + "[".repeat(100));
 * } catch (error) {
 *   console.log((error as Error).message); // (line 1, column 68): nesting deeper than 64 levels ...
 * }
 * ```
 */
export function checkYamlBounds(
  text: string,
  bounds: YamlBounds = YAML_BOUNDS,
  code = "invalid_manifest",
): void {
  if (text.length > bounds.maxChars) {
    throw new ManifestError(
      `document of ${text.length} characters exceeds the limit of ${bounds.maxChars}`,
      undefined,
      undefined,
      code,
    );
  }
  /** Columns of the open block collections. */
  const blocks: number[] = [];
  let flow = 0;
  let items = 0;
  /** Indent of the line that opened a block scalar, while inside one. */
  let scalarIndent = -1;
  let lineNo = 0;
  const tooDeep = (column: number) =>
    new ManifestError(
      `nesting deeper than ${bounds.maxDepth} levels; flatten the document`,
      undefined,
      { line: lineNo, column: column + 1 },
      code,
    );
  const tooMany = (column: number) =>
    new ManifestError(
      `more than ${bounds.maxItems} items and entries; split the document`,
      undefined,
      { line: lineNo, column: column + 1 },
      code,
    );
  for (const line of text.split("\n")) {
    lineNo++;
    let at = 0;
    while (line[at] === " ") at++;
    const blank = at === line.length || line[at] === "\r";
    if (scalarIndent >= 0) {
      if (blank || at > scalarIndent) continue;
      scalarIndent = -1;
    }
    if (blank || line[at] === "#") continue;
    const indent = at;
    while (blocks.length && blocks[blocks.length - 1] >= indent) blocks.pop();
    blocks.push(indent);
    // Compact nesting on one line: `- - - x`, `? ? x`.
    while (
      (line[at] === "-" || line[at] === "?") &&
      (line[at + 1] === " " || at + 1 === line.length)
    ) {
      at += 1;
      while (line[at] === " ") at++;
      blocks.push(at);
      if (blocks.length > bounds.maxDepth) throw tooDeep(at);
      if (++items > bounds.maxItems) throw tooMany(at);
    }
    if (blocks.length > bounds.maxDepth) throw tooDeep(at);
    for (; at < line.length; at++) {
      const c = line.charCodeAt(at);
      if (c === OPEN_SEQ || c === OPEN_MAP) {
        flow++;
        items++;
        if (blocks.length + flow > bounds.maxDepth) throw tooDeep(at);
      } else if (c === CLOSE_SEQ || c === CLOSE_MAP) {
        // Never below 0: closers cannot hide openers that come later.
        if (flow > 0) flow--;
      } else if (c === COMMA) {
        items++;
      } else if (
        c === COLON &&
        (at + 1 === line.length || line.charCodeAt(at + 1) === SPACE)
      ) {
        items++;
      } else {
        continue;
      }
      if (items > bounds.maxItems) throw tooMany(at);
    }
    // Lines of a block scalar are text, so they are skipped; in a flow
    // collection there are no block scalars and every line counts.
    if (flow === 0 && BLOCK_SCALAR_START.test(line.trimEnd().slice(-4))) {
      scalarIndent = indent;
    }
  }
}
