/**
 * One tree shape for both inputs a function spec is read from: a YAML
 * document (nodes carry line/column) and plain options objects from code (no
 * positions). The reader validates this tree, so both get the same rules and
 * the same messages.
 *
 * @module
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
} from "yaml";
import { ManifestError, type SourcePosition } from "../errors.ts";
import { fieldPath } from "./_path.ts";

/** A scalar: `value` as typed (YAML 1.2 core schema), `text` as written. */
export interface TreeScalar {
  kind: "scalar";
  value: unknown;
  text: string;
  position?: SourcePosition;
}

/** A map entry; keys are always strings. */
export interface TreeEntry {
  key: string;
  keyPosition?: SourcePosition;
  value: Tree;
}

/** A map, entries in document order. */
export interface TreeMap {
  kind: "map";
  entries: TreeEntry[];
  position?: SourcePosition;
}

/** A list. */
export interface TreeSeq {
  kind: "seq";
  items: Tree[];
  position?: SourcePosition;
}

/** Any node. */
export type Tree = TreeScalar | TreeMap | TreeSeq;

/**
 * Aliases can expand a small document exponentially ("billion laughs"); no
 * real manifest comes near this many nodes.
 */
const MAX_NODES = 100_000;

/** The tree of a parsed YAML document, or `undefined` for an empty one. */
export function treeFromYaml(
  doc: Document,
  lineCounter: LineCounter,
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
        `manifest is too large (over ${MAX_NODES} nodes once aliases are expanded)`,
        path || undefined,
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
    throw new ManifestError("unsupported YAML node", path || undefined);
  };
  return convert(doc.contents, "", []);
}

/** The tree of a plain value; `undefined` object properties are left out. */
export function treeFromValue(value: unknown): Tree {
  if (Array.isArray(value)) {
    return { kind: "seq", items: value.map(treeFromValue) };
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([key, v]) => ({ key, value: treeFromValue(v) }));
    return { kind: "map", entries };
  }
  return { kind: "scalar", value, text: String(value) };
}
