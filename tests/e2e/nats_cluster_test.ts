/**
 * A cluster held together by NATS instead of `--peer` polling: nodes at a
 * cloud site (the hub) and at an edge site (a leaf node with its own
 * JetStream domain) find each other, route invocations and workflows, see
 * a killed node go within seconds and come back when it restarts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { until } from "../_helpers/data.ts";
import { deployExample, peersOf, sees } from "../_helpers/peers.ts";
import { NATS_MISSING, startNats } from "../_helpers/nats.ts";
import { startTcpProxy } from "../_helpers/tcp_proxy.ts";
import {
  cli,
  type NodeProcess,
  sha256,
  startNode,
} from "../_helpers/node_process.ts";

Deno.test({
  name:
    "nodes on a NATS hub and leaf find each other, route work, and see a node go and return",
  ignore: NATS_MISSING !== undefined,
  async fn() {
    await using hub = await startNats({ domain: "cloud", hub: true });
    await using leaf = await startNats({
      domain: "edge",
      leafTo: hub.leafPort,
    });
    const cloudFlags = ["--nats", hub.url, "--nats-domain", "cloud"];
    const edgeFlags = [
      "--node-id",
      "b",
      "--host-id",
      "edge-host",
      "--nats",
      leaf.url,
      "--nats-domain",
      "edge",
      "--nats-hub-domain",
      "cloud",
    ];
    await using a = await startNode({
      flags: ["--node-id", "a", "--host-id", "cloud-host", ...cloudFlags],
    });
    await using c = await startNode({
      flags: ["--node-id", "c", "--host-id", "cloud-host", ...cloudFlags],
    });
    let b: NodeProcess = await startNode({ flags: edgeFlags });
    try {
      await deployExample(b.url, "up", "uppercase");
      await deployExample(a.url, "hash", "sha256");
      await until(
        "a sees b (at the edge) with 'up'",
        async () =>
          (await peersOf(a.url)).some((p) =>
            p.up && p.info?.functions.includes("up") && p.source === "nats"
          ),
        15_000,
      );
      await until(
        "b sees a and c",
        async () => (await sees(b.url, "a")) && (await sees(b.url, "c")),
        15_000,
      );

      const routed = await fetch(`${a.url}/invoke/up`, {
        method: "POST",
        body: "edge",
      });
      assert.equal(routed.status, 200);
      assert.equal(routed.headers.get("x-eddy-node"), "b");
      assert.equal(await routed.text(), "EDGE");

      const spec = `
name: up-then-hash
steps:
  - { name: up, function: up }
  - { name: hash, function: hash, after: [up] }
`;
      const put = await fetch(`${a.url}/v1/workflows`, {
        method: "POST",
        headers: { "content-type": "application/yaml" },
        body: spec,
      });
      assert.equal(put.status, 201, await put.clone().text());
      await put.body?.cancel();
      await until("c lists the workflow", async () => {
        const { workflows } = await (await fetch(`${c.url}/v1/workflows`))
          .json();
        return workflows.length === 1;
      });
      const run = await fetch(`${c.url}/workflows/up-then-hash`, {
        method: "POST",
        body: "nats",
      });
      assert.equal(run.status, 200, await run.clone().text());
      assert.equal(
        (await run.text()).trim(),
        await sha256(new TextEncoder().encode("NATS")),
      );

      await b.kill();
      const killed = Date.now();
      await until("a sees b gone", () => sees(a.url, "b", false), 10_000);
      const goneAfter = Date.now() - killed;
      assert.ok(goneAfter < 6000, `b was seen gone after ${goneAfter} ms`);
      const down = await fetch(`${a.url}/invoke/up`, { method: "POST" });
      const error = (await down.json()).error;
      assert.equal(down.status, 503);
      assert.match(error.message, /only on node 'b'.*no heartbeat on NATS/);

      b = await startNode({ dataDir: b.dataDir, flags: edgeFlags });
      await until("a sees b again", () => sees(a.url, "b"), 15_000);
      const again = await fetch(`${a.url}/invoke/up`, {
        method: "POST",
        body: "back",
      });
      assert.equal(again.status, 200);
      assert.equal(await again.text(), "BACK");

      // A node that stops leaves at once.
      await c.stop();
      await until("a sees c leave", () => sees(a.url, "c", false), 3000);
    } finally {
      await b.kill();
    }
  },
});

Deno.test("NATS settings that cannot work are refused before the node serves", async () => {
  const lone = await cli(["serve", "--port", "0", "--nats-user", "eddy"]);
  assert.equal(lone.code, 2);
  assert.match(lone.stderr, /--nats-user needs --nats URL/);

  const bad = await cli(["serve", "--port", "0", "--nats", "http://x"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--nats wants a server URL like nats:\/\//);

  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  const dataDir = await Deno.makeTempDir();
  try {
    const down = await cli([
      "serve",
      "--port",
      "0",
      "--data-dir",
      dataDir,
      "--nats",
      `nats://127.0.0.1:${port}`,
    ]);
    assert.equal(down.code, 1);
    assert.match(
      down.stderr,
      /cannot connect to NATS at nats:\/\/127\.0\.0\.1/,
    );
    assert.doesNotMatch(down.stdoutText, /listening on/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test({
  name:
    "NATS killed: the peer view holds and invocations flow; after its restart new nodes are seen",
  ignore: NATS_MISSING !== undefined,
  async fn() {
    await using hub = await startNats({ domain: "cloud", hub: true });
    const flags = (id: string) => [
      "--node-id",
      id,
      "--host-id",
      "h1",
      "--nats",
      hub.url,
    ];
    await using a = await startNode({ flags: flags("a") });
    await using b = await startNode({ flags: flags("b") });
    await deployExample(b.url, "up", "uppercase");
    await until(
      "a sees 'up' on b",
      async () =>
        (await peersOf(a.url)).some((p) =>
          p.up && p.info?.functions.includes("up")
        ),
      15_000,
    );

    await hub.kill();
    // Longer than a node takes to be seen gone while NATS is there.
    await new Promise((r) => setTimeout(r, 4500));
    assert.ok(await sees(a.url, "b"), "b stays up in a's view");
    const routed = await fetch(`${a.url}/invoke/up`, {
      method: "POST",
      body: "still",
    });
    assert.equal(await routed.text(), "STILL");

    await hub.restart();
    await using d = await startNode({ flags: flags("d") });
    await until(
      "a sees d, which joined after the restart",
      () => sees(a.url, "d"),
      15_000,
    );
    assert.ok(await sees(a.url, "b"));
    await d.stop();
  },
});

Deno.test({
  name:
    "uplink cut: edge and cloud see each other gone, and back when it returns",
  ignore: NATS_MISSING !== undefined,
  async fn() {
    await using uplink = startTcpProxy(() => hub.leafPort!);
    const hub = await startNats({
      domain: "cloud",
      hub: true,
      advertiseLeaf: uplink.port,
    });
    await using _hub = hub;
    await using leaf = await startNats({ domain: "edge", leafTo: uplink.port });
    await using cloud = await startNode({
      flags: [
        "--node-id",
        "cloud-1",
        "--nats",
        hub.url,
        "--nats-domain",
        "cloud",
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
      ],
    });
    await until(
      "they see each other",
      async () =>
        (await sees(cloud.url, "edge-1")) && (await sees(edge.url, "cloud-1")),
      15_000,
    );

    uplink.cut();
    await until(
      "the cloud sees the edge gone",
      () => sees(cloud.url, "edge-1", false),
      10_000,
    );
    await until(
      "the edge sees the cloud gone",
      () => sees(edge.url, "cloud-1", false),
      10_000,
    );

    uplink.restore();
    await until(
      "the cloud sees the edge again",
      () => sees(cloud.url, "edge-1"),
      20_000,
    );
    await until(
      "the edge sees the cloud again",
      () => sees(edge.url, "cloud-1"),
      20_000,
    );
  },
});

Deno.test({
  name: "NATS settings come from --config too",
  ignore: NATS_MISSING !== undefined,
  async fn() {
    await using hub = await startNats({ domain: "cloud", hub: true });
    const dir = await Deno.makeTempDir();
    try {
      const config = join(dir, "eddy.yaml");
      await Deno.writeTextFile(
        config,
        `node-id: from-file\nnats: [${hub.url}]\nnats-domain: cloud\n` +
          "state-home: { readings: edge }\n",
      );
      await using a = await startNode({ flags: ["--config", config] });
      await using b = await startNode({
        flags: ["--node-id", "b", "--nats", hub.url],
      });
      await until(
        "b sees the node configured from the file",
        () => sees(b.url, "from-file"),
        15_000,
      );
      await until("and it sees b", () => sees(a.url, "b"), 15_000);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
