/**
 * YAML text to a {@link Tree}, with the `yaml` library: loaded by
 * `DocumentReader.parse` when a document is first read, so that a
 * process that reads none never loads it.
 *
 * @module
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
} from "yaml";
import { ManifestError, type SourcePosition } from "../errors.ts";
import { fieldPath } from "./path.ts";
import type { DocumentKind } from "./reader.ts";
import type { Tree } from "./tree.ts";

/**
 * The tree of YAML (or JSON) `text`, `undefined` for an empty document.
 * Throws a `ManifestError` with `kind`'s code for a syntax error, with its
 * line and column.
 *
 * @example
 * ```ts
 * import { yamlTree } from "./_yaml.ts";
 * const tree = yamlTree("functions: []", { code: "invalid_manifest", noun: "manifest" });
 * console.log(tree?.kind); // "map"
 * ```
 */
export function yamlTree(text: string, kind: DocumentKind): Tree | undefined {
  const lineCounter = new LineCounter();
  // prettyErrors off: the position is reported in ManifestError's own format.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const [error] = doc.errors;
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new ManifestError(
      `YAML syntax error: ${error.message}`,
      undefined,
      { line, column: col },
      kind.code,
    );
  }
  return treeFromYaml(doc, lineCounter, kind);
}

/**
 * Aliases can expand a small document exponentially ("billion laughs"); no
 * real manifest comes near this many nodes.
 */
const MAX_NODES = 100_000;

/** The tree of a parsed YAML document, or `undefined` for an empty one. */
function treeFromYaml(
  doc: Document,
  lineCounter: LineCounter,
  kind: DocumentKind,
): Tree | undefined {
  if (doc.contents === null) return undefined;
  let nodes = 0;
  const at = (range?: readonly number[] | null): SourcePosition | undefined => {
    if (!range) return undefined;
    const { line, col } = lineCounter.linePos(range[0]);
    return { line, column: col };
  };
  const convert = (
    node: unknown,
    path: string,
    ancestors: readonly unknown[],
  ): Tree => {
    if (++nodes > MAX_NODES) {
      throw new ManifestError(
        `${kind.noun} is too large (over ${MAX_NODES} nodes once aliases are expanded)`,
        path || undefined,
        undefined,
        kind.code,
      );
    }
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target || ancestors.includes(target)) {
        const why = target
          ? "refers to a node that contains it"
          : "has no anchor";
        throw new ManifestError(
          `alias *${node.source} ${why}`,
          path || undefined,
          at(node.range),
          kind.code,
        );
      }
      return convert(target, path, ancestors);
    }
    if (isScalar(node)) {
      return {
        kind: "scalar",
        value: node.value,
        text: node.source ?? String(node.value),
        position: at(node.range),
      };
    }
    const inside = [...ancestors, node];
    if (isSeq(node)) {
      return {
        kind: "seq",
        items: node.items.map((item, i) =>
          convert(item, fieldPath(path, i), inside)
        ),
        position: at(node.range),
      };
    }
    if (isMap(node)) {
      const entries = node.items.map(({ key, value }) => {
        if (!isScalar(key) || key.value === null) {
          throw new ManifestError(
            "map keys must be plain strings",
            path || undefined,
            at((key as { range?: number[] } | null)?.range ?? node.range),
            kind.code,
          );
        }
        const name = key.source ?? String(key.value);
        const keyPosition = at(key.range);
        // `key:` with nothing after it: an empty value, positioned at the key.
        const tree: Tree = value === null
          ? { kind: "scalar", value: null, text: "", position: keyPosition }
          : convert(value, fieldPath(path, name), inside);
        return { key: name, keyPosition, value: tree };
      });
      return { kind: "map", entries, position: at(node.range) };
    }
    throw new ManifestError(
      "unsupported YAML node",
      path || undefined,
      undefined,
      kind.code,
    );
  };
  return convert(doc.contents, "", []);
}
