import assert from "node:assert/strict";
import { join } from "node:path";
import { randomBytes, until } from "../_helpers/data.ts";
import { caller } from "../_helpers/guests.ts";
import {
  cli,
  REPO_ROOT,
  sha256,
  startCluster,
  startNode,
} from "../_helpers/node_process.ts";
import { tempDir } from "../_helpers/temp.ts";

const sha = await Deno.readFile(join(REPO_ROOT, "examples/sha256/sha256.wasm"));

interface PeerView {
  url: string;
  up: boolean;
  info?: { id: string; functions: string[]; locality: { hostId: string } };
}

async function peersOf(url: string): Promise<PeerView[]> {
  return (await (await fetch(`${url}/v1/peers`)).json()).peers;
}

Deno.test("locality comes from flags and shows in the API", async () => {
  await using node = await startNode({
    flags: [
      "--node-id",
      "a",
      "--host-id",
      "h1",
      "--zone",
      "z1",
      "--region",
      "r1",
      "--label",
      "tier=edge",
    ],
  });
  const info = await (await fetch(`${node.url}/v1/node`)).json();
  assert.equal(info.id, "a");
  assert.deepEqual(info.locality, {
    nodeId: "a",
    hostId: "h1",
    zone: "z1",
    region: "r1",
  });
  assert.deepEqual(info.labels, { tier: "edge" });
  assert.equal(info.endpoints.http, node.url);
});

Deno.test("locality from a config file; flags win", async () => {
  const dir = await tempDir();
  const config = join(dir, "eddy.yaml");
  await Deno.writeTextFile(
    config,
    "node-id: from-file\nzone: z9\nlabel: { tier: cloud }\n",
  );
  await using node = await startNode({
    flags: ["--config", config, "--zone", "z1"],
  });
  const info = await (await fetch(`${node.url}/v1/node`)).json();
  assert.equal(info.id, "from-file");
  assert.equal(info.locality.zone, "z1");
  assert.deepEqual(info.labels, { tier: "cloud" });

  await Deno.writeTextFile(config, "nodeid: typo\n");
  const bad = await cli(["serve", "--config", config, "--port", "0"]);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /--config .*: nodeid \(line 1, column 1\): unknown key 'nodeid'; did you mean 'node-id'\?/,
  );
});

Deno.test("peering is mutual and follows deployments", async () => {
  await using b = await startNode({
    flags: ["--node-id", "b", "--host-id", "h1"],
  });
  await using a = await startNode({
    flags: ["--node-id", "a", "--host-id", "h1", "--peer", b.url],
  });
  await until("a knows b", async () => (await peersOf(a.url))[0]?.up === true);
  assert.equal((await peersOf(a.url))[0].info?.id, "b");
  await until(
    "b learns of a",
    async () => (await peersOf(b.url)).some((p) => p.info?.id === "a"),
  );

  const put = await fetch(`${b.url}/v1/functions/hash`, {
    method: "PUT",
    headers: { "content-type": "application/wasm" },
    body: sha,
  });
  assert.equal(put.status, 201);
  await put.body?.cancel();
  await until(
    "a sees b's new function",
    async () =>
      (await peersOf(a.url))[0].info?.functions.includes("hash") ?? false,
  );

  const bad = await fetch(`${a.url}/v1/peers`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"url": "nope"}',
  });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error.code, "invalid_peer");
  const self = await fetch(`${a.url}/v1/peers`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: a.url }),
  });
  assert.equal(self.status, 400);
  await self.body?.cancel();
});

Deno.test("a peer that is down is marked down and used again when it returns", async () => {
  const b = await startNode({ flags: ["--node-id", "b"] });
  const port = new URL(b.url).port;
  await using a = await startNode({
    flags: ["--node-id", "a", "--peer", b.url],
  });
  await b.kill();
  const poll = () => fetch(`${a.url}/v1/peers`).then((r) => r.json());
  await until(
    "a marks b down",
    async () => (await poll()).peers[0].up === false,
  );
  const again = await startNode({
    dataDir: b.dataDir,
    flags: ["--node-id", "b", "--port", port],
  });
  try {
    await until(
      "a marks b up",
      async () => (await poll()).peers[0].up === true,
    );
  } finally {
    await again.kill();
  }
});

Deno.test("an invocation goes to the nearest node that runs the function", async () => {
  await using cluster = await startCluster();
  const { a, b, c } = cluster;
  for (const [node, name] of [[b, "on-b"], [c, "on-c"]] as const) {
    const put = await fetch(`${node.url}/v1/functions/${name}`, {
      method: "PUT",
      headers: { "content-type": "application/wasm" },
      body: sha,
    });
    assert.equal(put.status, 201);
    await put.body?.cancel();
  }
  // Both run "both": b is nearer to a (same host).
  for (const node of [b, c]) {
    const put = await fetch(`${node.url}/v1/functions/both`, {
      method: "PUT",
      headers: { "content-type": "application/wasm" },
      body: sha,
    });
    await put.body?.cancel();
  }
  await until("a sees the functions", async () => {
    const peers = await peersOf(a.url);
    return peers.filter((p) => p.info?.functions.includes("both")).length ===
        2 &&
      peers.some((p) => p.info?.functions.includes("on-c"));
  });

  for (const size of [0, 1024, 1 << 20, 32 << 20]) {
    const input = randomBytes(size);
    for (
      const [name, via, node] of [
        ["on-b", "unix", "b"],
        ["on-c", "http2", "c"],
        ["both", "unix", "b"],
      ]
    ) {
      const res = await fetch(`${a.url}/invoke/${name}`, {
        method: "POST",
        body: input,
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.equal(res.headers.get("x-eddy-via"), via, name);
      assert.equal(res.headers.get("x-eddy-node"), node);
      assert.equal(res.headers.get("x-eddy-exit-code"), "0");
      assert.equal(text.trim(), await sha256(input), `${name} ${size}`);
    }
  }
  const missing = await fetch(`${a.url}/invoke/nowhere`, {
    method: "POST",
    body: "x",
  });
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

Deno.test("a peer that dies gives an error naming it, not a hang", async () => {
  const b = await startNode({ flags: ["--node-id", "b", "--host-id", "h2"] });
  await using a = await startNode({
    flags: ["--node-id", "a", "--host-id", "h1", "--peer", b.url],
  });
  const put = await fetch(`${b.url}/v1/functions/far`, {
    method: "PUT",
    headers: { "content-type": "application/wasm" },
    body: sha,
  });
  await put.body?.cancel();
  await until(
    "a sees far",
    async () =>
      (await peersOf(a.url))[0]?.info?.functions.includes("far") ?? false,
  );
  await b.kill();
  const started = Date.now();
  const res = await fetch(`${a.url}/invoke/far`, { method: "POST", body: "x" });
  const body = await res.json();
  assert.ok(Date.now() - started < 10_000);
  if (res.status === 404) {
    assert.equal(body.error.code, "not_found"); // a already saw b go down
  } else {
    assert.equal(res.status, 502, JSON.stringify(body));
    assert.equal(body.error.code, "peer_unreachable");
    assert.match(body.error.message, new RegExp(new URL(b.url).port));
  }
});

Deno.test("a guest calls a function that runs on another node", async () => {
  await using cluster = await startCluster();
  const { a, b, c } = cluster;
  const upper = await Deno.readFile(
    join(REPO_ROOT, "examples/uppercase/uppercase.wasm"),
  );
  for (const [node, name] of [[b, "up-b"], [c, "up-c"]] as const) {
    const put = await fetch(`${node.url}/v1/functions/${name}`, {
      method: "PUT",
      headers: { "content-type": "application/wasm" },
      body: upper,
    });
    await put.body?.cancel();
  }
  for (const target of ["up-b", "up-c"]) {
    const put = await fetch(`${a.url}/v1/functions/call-${target}`, {
      method: "PUT",
      headers: { "content-type": "application/wasm" },
      body: caller(target),
    });
    assert.equal(put.status, 201);
    await put.body?.cancel();
  }
  await until("a sees both", async () => {
    const fns = (await peersOf(a.url)).flatMap((p) => p.info?.functions ?? []);
    return fns.includes("up-b") && fns.includes("up-c");
  });
  for (
    const [target, mode, node] of [["up-b", "unix", "b"], [
      "up-c",
      "http2",
      "c",
    ]]
  ) {
    const res = await fetch(`${a.url}/invoke/call-${target}`, {
      method: "POST",
      body: "across nodes",
    });
    assert.equal(await res.text(), "0:ACROSS NODES");
    const [call] = JSON.parse(res.headers.get("x-eddy-calls")!);
    assert.equal(call.fn, target);
    assert.equal(call.mode, mode);
    assert.equal(call.node, node);
  }
});

Deno.test("peers on other hosts can talk HTTP/2 over TLS", async () => {
  const { makeCerts } = await import("../_helpers/comm.ts");
  const certs = await makeCerts();
  const dir = await tempDir();
  for (const [name, pem] of Object.entries(certs)) {
    await Deno.writeTextFile(join(dir, `${name}.pem`), pem);
  }
  const tls = [
    "--tls-cert",
    join(dir, "cert.pem"),
    "--tls-key",
    join(dir, "key.pem"),
  ];
  await using b = await startNode({
    flags: ["--node-id", "b", "--host-id", "h2", ...tls],
  });
  await using a = await startNode({
    flags: [
      "--node-id",
      "a",
      "--host-id",
      "h1",
      "--tls-ca",
      join(dir, "ca.pem"),
      "--peer",
      b.url,
    ],
  });
  const info = await (await fetch(`${b.url}/v1/node`)).json();
  assert.match(info.endpoints.https, /^https:\/\/127\.0\.0\.1:\d+$/);
  const put = await fetch(`${b.url}/v1/functions/hash`, {
    method: "PUT",
    headers: { "content-type": "application/wasm" },
    body: sha,
  });
  await put.body?.cancel();
  await until(
    "a sees hash",
    async () =>
      (await peersOf(a.url))[0]?.info?.functions.includes("hash") ?? false,
  );
  const input = randomBytes(1 << 20);
  const res = await fetch(`${a.url}/invoke/hash`, {
    method: "POST",
    body: input,
  });
  assert.equal(res.headers.get("x-eddy-via"), "http2");
  assert.equal((await res.text()).trim(), await sha256(input));

  // Without the CA, the peer's certificate is not trusted: a named error.
  await using c = await startNode({
    flags: ["--node-id", "c", "--host-id", "h3", "--peer", b.url],
  });
  await until(
    "c sees hash",
    async () =>
      (await peersOf(c.url))[0]?.info?.functions.includes("hash") ?? false,
  );
  const untrusted = await fetch(`${c.url}/invoke/hash`, {
    method: "POST",
    body: "x",
  });
  const { error } = await untrusted.json();
  assert.equal(untrusted.status, 502);
  assert.equal(error.code, "peer_unreachable");
  assert.match(error.message, /https:\/\/127\.0\.0\.1/);

  const bad = await cli([
    "serve",
    "--port",
    "0",
    "--tls-cert",
    join(dir, "cert.pem"),
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--tls-cert and --tls-key go together/);
});
