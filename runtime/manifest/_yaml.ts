/**
 * The one way manifests and workflows are read from YAML text: bounded
 * first (see `checkYamlBounds`), then parsed with positions, then turned
 * into a {@link Tree}.
 *
 * @module
 */
import { LineCounter, parseDocument } from "yaml";
import { ManifestError } from "../errors.ts";
import { type Tree, treeFromYaml } from "./_tree.ts";
import { checkYamlBounds } from "./_yaml_bounds.ts";

/**
 * The tree of YAML (or JSON) `text`, `undefined` for an empty document.
 * Throws a `ManifestError` (`invalid_manifest`, 400) for a document over
 * the bounds or with a syntax error, with its line and column.
 *
 * @example
 * ```ts
 * import { readYamlTree } from "./_yaml.ts";
 * const tree = readYamlTree("functions: []");
 * console.log(tree?.kind); // "map"
 * ```
 */
export function readYamlTree(text: string): Tree | undefined {
  checkYamlBounds(text);
  const lineCounter = new LineCounter();
  // prettyErrors off: the position is reported in ManifestError's own format.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const [error] = doc.errors;
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new ManifestError(`YAML syntax error: ${error.message}`, undefined, {
      line,
      column: col,
    });
  }
  return treeFromYaml(doc, lineCounter);
}
