/**
 * `eddy serve --config FILE`: read by the document reader, refused as
 * usage errors that name the key, its line and column.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readConfig } from "../../cli/serve_config.ts";
import { UsageError } from "../../cli/args.ts";
import { tempDir } from "../_helpers/temp.ts";

async function configFile(text: string): Promise<string> {
  const path = join(await tempDir(), "eddy.yaml");
  await Deno.writeTextFile(path, text);
  return path;
}

Deno.test("serve config: flags' values from YAML, lists and maps", async () => {
  const path = await configFile(
    "port: 8081\nnode-id: pi\nlabel: { tier: edge, zone: k }\npeer: [http://a:1, http://b:2]\nnats: nats://n:4222\n",
  );
  assert.deepEqual(await readConfig(path), {
    port: "8081",
    "node-id": "pi",
    label: ["tier=edge", "zone=k"],
    peer: ["http://a:1", "http://b:2"],
    nats: ["nats://n:4222"],
  });
});

Deno.test("serve config: an empty file or an empty value sets nothing", async () => {
  assert.deepEqual(await readConfig(await configFile("")), {});
  assert.deepEqual(await readConfig(await configFile("zone:\nport: 1\n")), {
    port: "1",
  });
});

Deno.test("serve config: refusals are usage errors with the key, line and column", async () => {
  const cases: [string, string][] = [
    [
      "port: 1\nnodeid: x\n",
      "nodeid (line 2, column 1): unknown key 'nodeid'; did you mean 'node-id'?",
    ],
    [
      "port: [1, 2]\n",
      "port (line 1, column 7): must be a string, number or boolean; got a list",
    ],
    [
      "peer: [http://a, { b: c }]\n",
      "peer[1] (line 1, column 18): must be a string, number or boolean; got a map",
    ],
    [
      "- port: 1\n",
      "(line 1, column 1): must be a map (key: value); got a list",
    ],
    [
      "port: [\n",
      "(line 2, column 1): YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ],
  ];
  for (const [text, message] of cases) {
    const path = await configFile(text);
    await assert.rejects(readConfig(path), (error) => {
      assert.ok(error instanceof UsageError);
      assert.equal(
        error.message,
        `--config ${path}: ${message} (see 'eddy serve --help')`,
      );
      return true;
    });
  }
});
