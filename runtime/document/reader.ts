/**
 * Typed reads of a document's {@link Tree} that fail the same way for
 * every kind of document: a `ManifestError` with the kind's code, naming
 * the field path and, for YAML, the line and column of the node at fault.
 *
 * @module
 */
import { ManifestError, type SourcePosition } from "../errors.ts";
import { checkYamlBounds } from "./bounds.ts";
import { fieldPath } from "./path.ts";
import { closest } from "./suggest.ts";
import {
  describe,
  get,
  type Tree,
  type TreeMap,
  type TreeScalar,
  type TreeSeq,
} from "./tree.ts";

/** The YAML half of the reader, once a parse has loaded it. */
let yaml: typeof import("./_yaml.ts") | undefined;

/** Loads the YAML library (and the tree conversion) once per process. */
async function loadYaml(): Promise<typeof import("./_yaml.ts")> {
  return yaml ??= await import("./_yaml.ts");
}

/**
 * A kind of document: the code its refusals carry and what messages call
 * it.
 *
 * @example
 * ```ts
 * import type { DocumentKind } from "./reader.ts";
 * const kind: DocumentKind = { code: "invalid_workflow", noun: "workflow" };
 * ```
 */
export interface DocumentKind {
  code: string;
  noun: string;
}

/**
 * Reads documents of one kind: parses YAML text into a tree (bounded
 * first, the YAML library loaded on first use) and reads its nodes as
 * maps, lists and texts, refusing anything else with a `ManifestError`
 * of the kind's code.
 *
 * A key written with nothing after it (`module:`) is there, with an empty
 * value: a required key so written is refused by the read of its value
 * ("got nothing", at the value's position), not as missing.
 *
 * @example
 * ```ts
 * import { DocumentReader } from "./reader.ts";
 * import { get } from "./tree.ts";
 * const reader = new DocumentReader({ code: "invalid_manifest", noun: "manifest" });
 * const root = reader.map((await reader.parse("name: echo\n"))!, "");
 * reader.checkKeys(root, "", ["name"], ["name"]);
 * console.log(reader.text(get(root, "name")!, "name")); // "echo"
 * ```
 */
export class DocumentReader {
  constructor(readonly kind: DocumentKind) {}

  /**
   * The tree of YAML (or JSON) `text`, `undefined` for an empty document.
   * A document over `YAML_BOUNDS` is refused before it is parsed; syntax
   * errors carry their line and column.
   */
  async parse(text: string): Promise<Tree | undefined> {
    checkYamlBounds(text, undefined, this.kind.code);
    return (await loadYaml()).yamlTree(text, this.kind);
  }

  /**
   * {@linkcode DocumentReader.parse}, synchronously, once any document
   * has been parsed in this process: `{tree}`. Before that, `undefined`,
   * and the YAML library starts loading: for callers that cannot wait and
   * will ask again.
   */
  parseNow(text: string): { tree: Tree | undefined } | undefined {
    if (!yaml) {
      loadYaml().catch(() => {});
      return undefined;
    }
    checkYamlBounds(text, undefined, this.kind.code);
    return { tree: yaml.yamlTree(text, this.kind) };
  }

  /** Throws the refusal of the field at `path` ("" = the whole document). */
  fail(problem: string, path: string, position?: SourcePosition): never {
    throw new ManifestError(
      problem,
      path || undefined,
      position,
      this.kind.code,
    );
  }

  /** `node` as a map. */
  map(node: Tree, path: string): TreeMap {
    if (node.kind !== "map") {
      this.fail(
        `must be a map (key: value); got ${describe(node)}`,
        path,
        node.position,
      );
    }
    return node;
  }

  /** `node` as a list. */
  seq(node: Tree, path: string): TreeSeq {
    if (node.kind !== "seq") {
      this.fail(`must be a list; got ${describe(node)}`, path, node.position);
    }
    return node;
  }

  /**
   * A scalar as written (`007` stays `007`). NUL is refused: texts reach
   * guests as C strings.
   */
  text(node: Tree, path: string): string {
    const ok = node.kind === "scalar" &&
      ["string", "number", "boolean"].includes(typeof node.value);
    if (!ok) {
      this.fail(
        `must be a string, number or boolean; got ${describe(node)}`,
        path,
        node.position,
      );
    }
    const { text } = node as TreeScalar;
    if (text.includes("\0")) {
      this.fail("must not contain NUL characters", path, node.position);
    }
    return text;
  }

  /** A text that `pattern` accepts; else "invalid WHAT 'text': RULE". */
  match(
    node: Tree,
    path: string,
    pattern: RegExp,
    what: string,
    rule: string,
  ): string {
    const text = this.text(node, path);
    if (!pattern.test(text)) {
      this.fail(`invalid ${what} '${text}': ${rule}`, path, node.position);
    }
    return text;
  }

  /**
   * Unknown keys are errors, so that a typo never drops a setting
   * silently; required keys must be there (empty or not).
   */
  checkKeys(
    map: TreeMap,
    path: string,
    known: readonly string[],
    required: readonly string[],
  ): void {
    for (const { key, keyPosition } of map.entries) {
      if (known.includes(key)) continue;
      const guess = closest(key, known);
      const hint = guess
        ? `did you mean '${guess}'?`
        : `expected one of: ${known.join(", ")}`;
      this.fail(
        `unknown key '${key}'; ${hint}`,
        fieldPath(path, key),
        keyPosition,
      );
    }
    for (const key of required) {
      if (!get(map, key)) {
        this.fail(
          `missing required key '${key}'`,
          fieldPath(path, key),
          map.position,
        );
      }
    }
  }
}
