import assert from "node:assert/strict";
import { createApp } from "../../api/app.ts";
import { requireToken, tokenProblem } from "../../api/auth.ts";
import { EddyNode } from "../../node/node.ts";
import { tempDir } from "../_helpers/temp.ts";

async function withApp(
  fn: (app: ReturnType<typeof createApp>) => Promise<void>,
  options: Parameters<typeof createApp>[1] = {},
) {
  const dataDir = await tempDir();
  const node = await EddyNode.start({ dataDir, workers: 1, nodeId: "n" });
  try {
    await fn(createApp(node, options));
  } finally {
    await node.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

async function code(res: Response): Promise<string | undefined> {
  return res.ok ? undefined : (await res.json()).error.code;
}

const PEER = { "content-type": "application/json" };
const peerBody = JSON.stringify({ url: "not a url" });

Deno.test("cross-origin writes are refused, same-origin and origin-less ones pass", () =>
  withApp(async (app) => {
    const cases: [Record<string, string>, string][] = [
      [{ origin: "http://evil.example" }, "cross_origin"],
      [{ origin: "null" }, "cross_origin"],
      [{ origin: "http://localhost:8080" }, "cross_origin"], // another port
      [{ "sec-fetch-site": "cross-site" }, "cross_origin"],
      [{ "sec-fetch-site": "same-site" }, "cross_origin"],
      [
        { origin: "http://localhost", "sec-fetch-site": "same-origin" },
        "invalid_peer",
      ],
      [{ "sec-fetch-site": "none" }, "invalid_peer"],
      [{}, "invalid_peer"],
    ];
    for (const [headers, expected] of cases) {
      const res = await app.request("/v1/peers", {
        method: "POST",
        headers: { ...PEER, ...headers },
        body: peerBody,
      });
      assert.equal(await code(res), expected, JSON.stringify(headers));
    }
    // Reading is not a change: a foreign Origin on GET is the browser's to police.
    const read = await app.request("/v1/functions", {
      headers: { origin: "http://evil.example" },
    });
    assert.equal(read.status, 200);
    await read.body?.cancel();
    const invoke = await app.request("/invoke/none", {
      method: "POST",
      headers: { origin: "http://evil.example", "content-type": "text/plain" },
      body: "x",
    });
    assert.equal(await code(invoke), "cross_origin");
  }));

Deno.test("unknown host names are refused on every route", () =>
  withApp(async (app) => {
    for (const path of ["/healthz", "/metrics", "/v1/node", "/nowhere"]) {
      const res = await app.request(`http://rebound.example:8080${path}`);
      assert.equal(res.status, 403);
      const { error } = await res.json();
      assert.equal(error.code, "host_not_allowed");
      assert.equal(error.host, "rebound.example");
      assert.match(error.message, /--allowed-host rebound\.example/);
    }
    for (
      const host of [
        "localhost",
        "127.0.0.1:1",
        "[::1]:9",
        "192.168.1.20:8080",
        "[fe80::1]",
        "node-a.lan:8080",
        "NODE-B.LAN",
      ]
    ) {
      const res = await app.request(`http://${host}/healthz`);
      assert.equal(res.status, 200, host);
      await res.body?.cancel();
    }
  }, { allowedHosts: ["node-a.lan", "node-b.lan:9999"] }));

Deno.test("document and module writes need their content type", () =>
  withApp(async (app) => {
    const none = await app.request("/v1/manifests", {
      method: "POST",
      body: new Uint8Array([1]),
    });
    assert.equal(none.status, 415);
    const { error } = await none.json();
    assert.equal(error.code, "unsupported_media_type");
    assert.deepEqual(error.accepted, [
      "application/json",
      "application/yaml",
      "application/x-yaml",
      "text/yaml",
    ]);
    assert.match(error.message, /got none/);
    const wasm = await app.request("/v1/modules", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(wasm.status, 415);
    assert.deepEqual((await wasm.json()).error.accepted, [
      "application/wasm",
      "application/octet-stream",
    ]);
    const yamlPeer = await app.request("/v1/peers/announce", {
      method: "POST",
      headers: { "content-type": "application/yaml" },
      body: "url: http://x",
    });
    assert.equal(await code(yamlPeer), "unsupported_media_type");
  }));

Deno.test("malformed percent-escapes are 400, decoded once otherwise", () =>
  withApp(async (app) => {
    for (
      const [method, path] of [
        ["DELETE", "/v1/peers/%ff"],
        ["DELETE", "/v1/peers/%"],
        ["GET", "/v1/functions/%e0%a4"],
        ["GET", "/v1/workflows/a%zz"],
        ["POST", "/invoke/echo?arg=%ff"],
      ]
    ) {
      const res = await app.request(path, { method });
      assert.equal(res.status, 400, path);
      assert.equal((await res.json()).error.code, "invalid_url");
    }
    // %2525 is "%25" after one decoding: a peer named so is not found, and
    // the message shows what was looked up.
    const once = await app.request("/v1/peers/%2525", { method: "DELETE" });
    assert.equal(once.status, 404);
    assert.equal((await once.json()).error.name, "%25");
  }));

Deno.test("with a token: bearer auth answers JSON; bad tokens cannot be configured", () =>
  withApp(async (app) => {
    for (
      const authorization of [
        undefined,
        "Bearer",
        "Basic x",
        "Bearer no!",
        "Bearer wrong",
      ]
    ) {
      const res = await app.request("/v1/functions", {
        headers: authorization ? { authorization } : {},
      });
      assert.equal(res.status, 401, authorization);
      assert.equal((await res.json()).error.code, "unauthorized");
    }
    const ok = await app.request("http://anything.example/v1/functions", {
      headers: { authorization: "bearer s3cret.-_~+/=" },
    });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    assert.match(tokenProblem("")!, /empty/);
    assert.match(tokenProblem("a b")!, /may hold only/);
    assert.equal(tokenProblem("s3cret"), undefined);
    assert.throws(() => requireToken(""), TypeError);
  }, { token: "s3cret.-_~+/=" }));
