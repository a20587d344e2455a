import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  bundle,
  deploy,
  invoke,
  putModule,
  randomBytes,
  sha256Hex,
  startServe,
} from "../../scripts/mod.ts";
import { confinedBundle } from "../_helpers/bundled.ts";
import { tempDir } from "../_helpers/temp.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ECHO = await Deno.readFile(`${ROOT}examples/echo/echo.wasm`);
const NOTES = await Deno.readFile(`${ROOT}examples/notes/notes.wasm`);

Deno.test("the single-file bundle serves, deploys and invokes away from the source tree, mounts included", async () => {
  const tmp = await tempDir({ prefix: "eddy-bundle-test-" });
  try {
    const file = `${tmp}/bin/eddy.js`;
    await bundle(file);
    const text = await Deno.readTextFile(file);
    assert.ok(
      !text.includes(ROOT.replace(/\/$/, "")),
      "the bundle names a path in the source tree",
    );
    await Deno.mkdir(`${tmp}/cwd`);
    const serve = () =>
      startServe(
        Deno.execPath(),
        confinedBundle(tmp, file, ["--workers", "1"]),
        { cwd: `${tmp}/cwd` },
      );
    await using node = await serve();

    await deploy(node.url, "echo", ECHO);
    const input = randomBytes(1 << 20);
    const out = await invoke(node.url, "echo", input);
    assert.equal(out.byteLength, input.byteLength);
    assert.equal(await sha256Hex(out), await sha256Hex(input));

    await Deno.mkdir(`${tmp}/mnt`);
    const digest = await putModule(node.url, NOTES);
    const applied = await fetch(`${node.url}/v1/manifests`, {
      method: "POST",
      headers: { "content-type": "application/yaml" },
      body: `functions:
  - {name: notes, module: "${digest}", args: [put, a.txt],
     dirs: [{host: "${tmp}/mnt", guest: /data, writable: true}]}
`,
    });
    assert.equal(applied.status, 200, await applied.text());
    await invoke(node.url, "notes", new TextEncoder().encode("kept"));
    assert.equal(await Deno.readTextFile(`${tmp}/mnt/a.txt`), "kept");

    assert.equal(await node.stop(), 0, node.stderr());
    assert.doesNotMatch(node.stderr(), /error/i);

    // Workers start from a copy of the embedded worker in the data dir (V8
    // caches compiled code for files). A copy that is not the embedded
    // source is rewritten at start, never run.
    const cached = [...Deno.readDirSync(`${tmp}/data/cache`)].map((e) =>
      e.name
    );
    assert.equal(cached.length, 1, cached.join());
    assert.match(cached[0], /^executor-worker-[0-9a-f]{16}\.js$/);
    const copy = `${tmp}/data/cache/${cached[0]}`;
    const worker = await Deno.readTextFile(copy);
    // Named by the SHA-256 of the source the bundle embeds.
    assert.equal(
      (await sha256Hex(new TextEncoder().encode(worker))).slice(0, 16),
      cached[0].slice("executor-worker-".length, -".js".length),
    );
    await Deno.writeTextFile(copy, "throw new Error('planted');");
    // Another build's copy and one a crash left half written go.
    const stale = [
      "executor-worker-0000000000000000.js",
      `${cached[0]}.4242.partial`,
    ];
    for (const name of stale) {
      await Deno.writeTextFile(`${tmp}/data/cache/${name}`, "stale");
    }
    await using again = await serve();
    const after = await invoke(again.url, "echo", input);
    assert.equal(await sha256Hex(after), await sha256Hex(input));
    assert.equal(await Deno.readTextFile(copy), worker);
    assert.deepEqual(
      [...Deno.readDirSync(`${tmp}/data/cache`)].map((e) => e.name),
      cached,
    );
    assert.equal(await again.stop(), 0, again.stderr());
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
