/**
 * The one document reader: refusals carry the kind's code, the field path
 * and the line and column of the node at fault; a key written with
 * nothing after it is there with an empty value, for every kind.
 */
import assert from "node:assert/strict";
import {
  DocumentReader,
  get,
  treeFromValue,
  type TreeMap,
} from "../../../runtime/document/mod.ts";
import { parseManifest } from "../../../runtime/manifest/mod.ts";
import { parseWorkflow } from "../../../workflow/mod.ts";
import { assertRefused, yaml } from "../../_helpers/refusal.ts";

const reader = new DocumentReader({
  code: "invalid_manifest",
  noun: "manifest",
});

/** The top map of `text`, read by `reader`. */
async function top(text: string): Promise<TreeMap> {
  return reader.map((await reader.parse(text))!, "");
}

Deno.test("reader: refusals name the field, line and column, with the kind's code", async () => {
  const map = await top(yaml("name: a", "items:", "  - 1", "  - [x]"));
  const items = reader.seq(get(map, "items")!, "items");
  await assertRefused(
    "invalid_manifest",
    () => reader.text(items.items[1], "items[1]"),
    {
      message: "must be a string, number or boolean; got a list",
      field: "items[1]",
      line: 4,
      column: 5,
    },
  );
  await assertRefused("invalid_manifest", () => reader.map(items, "items"), {
    message: "must be a map (key: value); got a list",
    field: "items",
    line: 3,
    column: 3,
  });
  await assertRefused(
    "invalid_manifest",
    () => reader.match(get(map, "name")!, "name", /^b/, "name", "start with b"),
    {
      message: "invalid name 'a': start with b",
      field: "name",
      line: 1,
      column: 7,
    },
  );
});

Deno.test("reader: unknown keys get a suggestion at the key; required ones are named", async () => {
  const map = await top(yaml("name: a", "itemz: []"));
  await assertRefused(
    "invalid_manifest",
    () => reader.checkKeys(map, "", ["name", "items"], []),
    {
      message: "unknown key 'itemz'; did you mean 'items'?",
      field: "itemz",
      line: 2,
      column: 1,
    },
  );
  await assertRefused(
    "invalid_manifest",
    () => reader.checkKeys(map, "", ["name", "itemz", "size"], ["size"]),
    {
      message: "missing required key 'size'",
      field: "size",
      line: 1,
      column: 1,
    },
  );
});

Deno.test("reader: YAML syntax errors and bounds carry the kind's code and position", async () => {
  await assertRefused("invalid_manifest", () => reader.parse("a: [\n  b: {"), {
    message:
      "YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }",
    line: 2,
    column: 7,
  });
  await assertRefused(
    "invalid_manifest",
    () => reader.parse("a: " + "[".repeat(100)),
    {
      message: "nesting deeper than 64 levels; flatten the document",
      line: 1,
      column: 67,
    },
  );
  await assertRefused("invalid_manifest", () => reader.parse("a: &x [*x]"), {
    message: "alias *x refers to a node that contains it",
    field: "a[0]",
    line: 1,
    column: 8,
  });
});

Deno.test("reader: an empty required value is refused where it is, for manifests and workflows alike", async () => {
  // The key is there; its value is empty: refused at the value.
  await assertRefused(
    "invalid_manifest",
    () => parseManifest(yaml("functions:", "  - name: a", "    module:")),
    {
      message: "must be a string, number or boolean; got nothing",
      field: "functions[0].module",
      line: 3,
      column: 12,
    },
  );
  await assertRefused(
    "invalid_workflow",
    () =>
      parseWorkflow(yaml("name: w", "steps:", "  - name: a", "    function:")),
    {
      message: "must be a string, number or boolean; got nothing",
      field: "steps[0].function",
      line: 4,
      column: 14,
    },
  );
});

Deno.test("reader: trees from code read the same, without positions", async () => {
  const map = reader.map(treeFromValue({ name: 7, tags: ["x"] }), "");
  assert.equal(reader.text(get(map, "name")!, "name"), "7");
  await assertRefused(
    "invalid_manifest",
    () => reader.seq(get(map, "name")!, "name"),
    {
      message: "must be a list; got number 7",
      field: "name",
    },
  );
});

Deno.test("reader: parseNow answers once a document has been parsed", async () => {
  await reader.parse("a: 1");
  const now = reader.parseNow("b: [1, 2]");
  assert.equal(now?.tree?.kind, "map");
  assert.deepEqual(reader.parseNow(""), { tree: undefined });
});
