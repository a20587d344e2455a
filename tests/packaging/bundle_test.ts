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
    // Reads are allowed only inside the temp dir: a bundle that read a
    // source file (a worker, a module) would fail here, not just be slow.
    await using node = await startServe(Deno.execPath(), [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-sys",
      // Mounts are confined by the kernel through libc (openat2), in workers.
      "--allow-ffi",
      `--allow-read=${tmp}`,
      `--allow-write=${tmp}/data`,
      file,
      "serve",
      "--port",
      "0",
      "--workers",
      "1",
      "--data-dir",
      `${tmp}/data`,
    ], { cwd: `${tmp}/cwd` });

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
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
