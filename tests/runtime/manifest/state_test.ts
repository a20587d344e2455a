import assert from "node:assert/strict";
import { parseManifest } from "../../../runtime/manifest/mod.ts";

Deno.test("state entries parse, readOnly defaults to false, and no state means none", () => {
  const { functions } = parseManifest(`functions:
  - name: a
    module: ./a.wasm
    state:
      - { bucket: carts, mount: /state }
      - { bucket: prices, mount: /srv/prices, readOnly: true }
  - name: b
    module: ./b.wasm
    dirs: ["./d::/data"]
    state: [{ bucket: carts, mount: /state }]
  - name: c
    module: ./c.wasm
`);
  assert.deepEqual(functions[0].state, [
    { bucket: "carts", mount: "/state", readOnly: false },
    { bucket: "prices", mount: "/srv/prices", readOnly: true },
  ]);
  assert.deepEqual(functions[1].state, [
    { bucket: "carts", mount: "/state", readOnly: false },
  ]);
  assert.equal("state" in functions[2], false);
});

Deno.test("state mounts may not clash with dirs, each other, or repeat a bucket", () => {
  const refused = (state: string, dirs = "") =>
    assert.throws(
      () =>
        parseManifest(
          `functions:\n  - name: a\n    module: ./a.wasm\n${dirs}    state: ${state}\n`,
        ),
      /is already mounted|clashes|is not a mount path|must be a list|must be a map/,
    );
  refused(`[{ bucket: a, mount: /s }, { bucket: a, mount: /t }]`);
  refused(`[{ bucket: a, mount: /s }, { bucket: b, mount: /s/t }]`);
  refused(`[{ bucket: a, mount: /data }]`, `    dirs: ["./d::/data"]\n`);
  refused(`[{ bucket: a, mount: / }]`);
  refused(`[{ bucket: a, mount: /s/ }]`);
  refused(`[{ bucket: a, mount: //s }]`);
  refused(`[{ bucket: a, mount: /s/./t }]`);
  refused(`{ bucket: a, mount: /s }`);
  refused(`[/s]`);
});
