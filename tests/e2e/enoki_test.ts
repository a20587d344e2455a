/**
 * examples/enoki, the edge-cloud application: its guests' file logic on
 * plain directory mounts, and the whole application on a NATS hub and leaf
 * with state buckets (which needs manifest `state:` mounts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { until } from "../_helpers/data.ts";
import { NATS_MISSING, startNats } from "../_helpers/nats.ts";
import { cli, REPO_ROOT, startNode } from "../_helpers/node_process.ts";
import { parseManifest } from "../../runtime/manifest/mod.ts";

const APP = join(REPO_ROOT, "examples/enoki");

async function invoke(url: string, fn: string, input = ""): Promise<string> {
  const res = await fetch(`${url}/invoke/${fn}`, {
    method: "POST",
    body: input,
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return text;
}

/** Whether this build reads `state:` in manifests (the other half of issue 10). */
const STATE_MOUNTS = await (async () => {
  try {
    await parseManifest(
      "functions:\n  - { name: f, module: f.wasm, state: [{ bucket: b, mount: /b }] }\n",
    );
    return true;
  } catch {
    return false;
  }
})();

Deno.test("the enoki guests record, alert and report on plain files", async () => {
  const data = await Deno.makeTempDir({ prefix: "eddy-enoki-" });
  const readings = join(data, "readings");
  const thresholds = join(data, "thresholds");
  await Deno.mkdir(readings);
  await Deno.mkdir(thresholds);
  try {
    await using node = await startNode();
    for (
      const [fn, flags] of [
        ["ingest", ["--dir-rw", `${readings}::/readings`]],
        ["alert", ["--dir", `${thresholds}::/thresholds`]],
        ["report", ["--dir", `${readings}::/readings`]],
      ] as const
    ) {
      const deployed = await cli([
        "deploy",
        "--url",
        node.url,
        ...flags,
        fn,
        join(APP, fn, `${fn}.wasm`),
      ]);
      assert.equal(deployed.code, 0, deployed.stderr);
    }
    assert.equal(await invoke(node.url, "report"), "no readings yet\n");
    assert.equal(
      await invoke(node.url, "alert", "s1 21.5"),
      "no threshold for s1\n",
    );
    await Deno.writeTextFile(join(thresholds, "default"), "30");
    await Deno.writeTextFile(join(thresholds, "s2"), "40");
    assert.equal(
      await invoke(node.url, "ingest", "s1 21.5"),
      "recorded s1 21.5 (1 readings)\n",
    );
    assert.equal(
      await invoke(node.url, "ingest", "s1 24.0"),
      "recorded s1 24.0 (2 readings)\n",
    );
    await invoke(node.url, "ingest", "s2 31.2");
    assert.equal(await Deno.readTextFile(join(readings, "s1")), "21.5\n24.0\n");
    assert.equal(
      await invoke(node.url, "alert", "s1 31.2"),
      "ALERT s1 31.2 > 30\n",
    );
    assert.equal(
      await invoke(node.url, "alert", "s2 31.2"),
      "ok s2 31.2 <= 40\n",
    );
    assert.equal(
      await invoke(node.url, "report"),
      "s1 n=2 min=21.5 max=24 mean=22.75\ns2 n=1 min=31.2 max=31.2 mean=31.2\n",
    );
    const bad = await fetch(`${node.url}/invoke/ingest`, {
      method: "POST",
      body: "../etc 1",
    });
    assert.equal(bad.status, 500);
    await bad.body?.cancel();
    assert.deepEqual(
      [...Deno.readDirSync(readings)].map((e) => e.name).sort(),
      ["s1", "s2"],
    );
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test({
  name:
    "enoki on a NATS hub and leaf: edge readings reach the cloud's report, the cloud's threshold reaches the edge's alert",
  ignore: NATS_MISSING !== undefined || !STATE_MOUNTS,
  async fn() {
    await using hub = await startNats({ domain: "cloud", hub: true });
    await using leaf = await startNats({
      domain: "edge",
      leafTo: hub.leafPort,
    });
    await using cloud = await startNode({
      flags: [
        "--node-id",
        "cloud-1",
        "--nats",
        hub.url,
        "--nats-domain",
        "cloud",
        "--state-home",
        "readings=edge",
      ],
    });
    await using edge = await startNode({
      flags: [
        "--node-id",
        "edge-1",
        "--nats",
        leaf.url,
        "--nats-domain",
        "edge",
        "--nats-hub-domain",
        "cloud",
        "--state-home",
        "thresholds=cloud",
      ],
    });
    for (const [url, manifest] of [[edge.url, "edge"], [cloud.url, "cloud"]]) {
      const deployed = await cli([
        "deploy",
        "--url",
        url,
        join(APP, `${manifest}.yaml`),
      ]);
      assert.equal(deployed.code, 0, deployed.stderr);
    }
    const put = await fetch(`${cloud.url}/v1/kv/thresholds/default`, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: "30",
    });
    assert.equal(put.status < 300, true, await put.text());
    await until(
      "the edge's alert reads the cloud's threshold",
      async () =>
        (await invoke(edge.url, "alert", "s1 35")) === "ALERT s1 35 > 30\n",
    );
    for (const r of ["s1 21.5", "s1 24.0", "s2 31.2"]) {
      await invoke(edge.url, "ingest", r);
    }
    const expected =
      "s1 n=2 min=21.5 max=24 mean=22.75\ns2 n=1 min=31.2 max=31.2 mean=31.2\n";
    await until(
      "the cloud's report has the edge's readings",
      async () => (await invoke(cloud.url, "report")) === expected,
    );
  },
});
