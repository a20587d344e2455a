import assert from "node:assert/strict";
import { parseManifest } from "../../../runtime/manifest/mod.ts";
import { checkYamlBounds, YAML_BOUNDS } from "../../../runtime/document/mod.ts";
import { parseWorkflow } from "../../../workflow/parse.ts";
import { assertRefused, yaml } from "../../_helpers/refusal.ts";

const TOO_DEEP = "nesting deeper than 64 levels; flatten the document";
const DEEP = 200_000;

/** Asserts `fn` is refused in well under the time a parse of `text` takes. */
async function refusedFast(fn: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  await assert.rejects(fn);
  const ms = performance.now() - started;
  assert.ok(ms < 100, `refused after ${ms.toFixed(1)} ms`);
}

Deno.test("a 200,000-deep flow manifest is refused before parsing", async () => {
  const text = "functions: " + "[".repeat(DEEP) + "]".repeat(DEEP);
  await refusedFast(() => parseManifest(text));
  await assertRefused("invalid_manifest", () => parseManifest(text), {
    message: TOO_DEEP,
    line: 1,
    column: 75,
  });
});

Deno.test("deep block nesting is refused: compact dashes and indentation", async () => {
  const dashes = "functions:\n  " + "- ".repeat(DEEP) + "x\n";
  await refusedFast(() => parseManifest(dashes));
  await assertRefused("invalid_manifest", () => parseManifest(dashes), {
    message: TOO_DEEP,
    line: 2,
    column: 129,
  });
  const indented = Array.from(
    { length: 100 },
    (_, i) => " ".repeat(i) + `k${i}:`,
  ).join("\n");
  await assertRefused("invalid_manifest", () => parseManifest(indented), {
    message: TOO_DEEP,
    line: 65,
    column: 65,
  });
});

Deno.test("too many items or characters are refused before parsing", async () => {
  const flat = "functions: [" + "a,".repeat(500_000) + "a]";
  await refusedFast(() => parseManifest(flat));
  await assertRefused("invalid_manifest", () => parseManifest(flat), {
    message: "more than 10000 items and entries; split the document",
    line: 1,
    column: 20010,
  });
  const long = "# " + "x".repeat(YAML_BOUNDS.maxChars);
  await assertRefused("invalid_manifest", () => parseManifest(long), {
    message: `document of ${long.length} characters exceeds the limit of ${
      1 << 20
    }`,
  });
});

Deno.test("closing brackets cannot hide openers that follow", () => {
  const text = "a: x" + "]".repeat(1000) + "\nb: " + "[".repeat(70);
  assert.throws(() => checkYamlBounds(text), /nesting deeper than 64/);
});

Deno.test("block scalars are text, but not inside a flow collection", async () => {
  const literal = yaml(
    "functions:",
    "  - name: echo",
    `    module: sha256:${"ab".repeat(32)}`,
    "    args:",
    "      - |",
    ...Array.from({ length: 100 }, (_, i) => " ".repeat(8 + i) + "text"),
  );
  assert.equal((await parseManifest(literal)).functions[0].args.length, 1);
  const hidden = "a: [ x |\n" +
    Array.from({ length: 70 }, (_, i) => " ".repeat(i + 2) + "[").join("\n");
  assert.throws(() => checkYamlBounds(hidden), /nesting deeper than 64/);
});

Deno.test("workflows are bounded by the same reader", async () => {
  const text = "name: w\nsteps: " + "[".repeat(DEEP) + "]".repeat(DEEP);
  await refusedFast(() => parseWorkflow(text));
  await assertRefused("invalid_workflow", () => parseWorkflow(text), {
    message: TOO_DEEP,
    line: 2,
    column: 71,
  });
});

Deno.test("a manifest of 500 functions is within the bounds", async () => {
  const lines = ["functions:"];
  for (let i = 0; i < 500; i++) {
    lines.push(
      `  - name: f${i}`,
      `    module: sha256:${"ab".repeat(32)}`,
      "    env: { A: '1', B: '2' }",
      "    limits: { memory: 16MiB, timeout: 2s }",
    );
  }
  assert.equal((await parseManifest(yaml(...lines))).functions.length, 500);
});
