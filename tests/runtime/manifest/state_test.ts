import assert from "node:assert/strict";
import { parseManifest } from "../../../runtime/manifest/mod.ts";

Deno.test("state entries parse, readOnly defaults to false, and no state means none", async () => {
  const { functions } = await parseManifest(`functions:
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

Deno.test("state mounts may not clash with dirs, each other, or repeat a bucket", async () => {
  const refused = (state: string, dirs = "") =>
    assert.rejects(
      () =>
        parseManifest(
          `functions:\n  - name: a\n    module: ./a.wasm\n${dirs}    state: ${state}\n`,
        ),
      /is already mounted|clashes|is not a mount path|must be a list|must be a map/,
    );
  await refused(`[{ bucket: a, mount: /s }, { bucket: a, mount: /t }]`);
  await refused(`[{ bucket: a, mount: /s }, { bucket: b, mount: /s/t }]`);
  await refused(`[{ bucket: a, mount: /data }]`, `    dirs: ["./d::/data"]\n`);
  await refused(`[{ bucket: a, mount: / }]`);
  await refused(`[{ bucket: a, mount: /s/ }]`);
  await refused(`[{ bucket: a, mount: //s }]`);
  await refused(`[{ bucket: a, mount: /s/./t }]`);
  await refused(`{ bucket: a, mount: /s }`);
  await refused(`[/s]`);
});
