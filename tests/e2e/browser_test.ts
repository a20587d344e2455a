import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, REPO_ROOT, startNode } from "../_helpers/node_process.ts";
import { rawRequest } from "../_helpers/raw_http.ts";
import { tempDir } from "../_helpers/temp.ts";

const notes = await Deno.readFile(join(REPO_ROOT, "examples/notes/notes.wasm"));
const echo = await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm"));

async function upload(url: string, bytes: Uint8Array): Promise<string> {
  const res = await rawRequest(url, {
    method: "PUT",
    target: "/v1/modules",
    headers: { "content-type": "application/wasm" },
    body: bytes,
  });
  assert.equal(res.status, 201, res.text);
  return JSON.parse(res.text).digest;
}

Deno.test("without a token, what a web page sends through a browser changes nothing", async () => {
  await using node = await startNode();
  const loot = await tempDir({ prefix: "eddy-loot-" });
  const own = new URL(node.url);
  try {
    const digest = await upload(node.url, notes);
    // A writable mount of a host directory, then a run that writes into it.
    const manifest =
      `functions: [{name: pwn, module: "${digest}", dirs: [{host: "${loot}", guest: /data, writable: true}]}]`;
    const attacks = [
      // A form or fetch() with no-cors from another site: a "simple" request.
      { origin: "http://evil.example", type: "text/plain" },
      { origin: "null", type: "text/plain" },
      { origin: `http://evil.example:${own.port}`, type: "application/json" },
      { origin: "http://127.0.0.1", type: "application/yaml" }, // another port
      { site: "cross-site", type: "text/plain" },
      { site: "same-site", type: "application/x-www-form-urlencoded" },
    ];
    let through = 0;
    for (const attack of attacks) {
      const headers = {
        "content-type": attack.type,
        ...(attack.origin ? { origin: attack.origin } : {}),
        ...(attack.site ? { "sec-fetch-site": attack.site } : {}),
      };
      for (
        const [target, body] of [
          ["/v1/manifests", manifest],
          ["/v1/workflows", "name: w\nsteps: [{name: a, function: pwn}]\n"],
          ["/v1/peers", '{"url": "http://127.0.0.1:1"}'],
          ["/invoke/pwn?arg=put&arg=owned", "pwned"],
          ["/workflows/w", "pwned"],
        ]
      ) {
        const res = await rawRequest(node.url, {
          method: "POST",
          target,
          headers,
          body,
        });
        if (res.status !== 403) through++;
        assert.equal(res.status, 403, `${target} ${JSON.stringify(attack)}`);
        assert.equal(JSON.parse(res.text).error.code, "cross_origin");
      }
      const del = await rawRequest(node.url, {
        method: "DELETE",
        target: `/v1/modules/${digest}`,
        headers,
      });
      if (del.status !== 403) through++;
    }
    assert.equal(through, 0);
    const list = await rawRequest(node.url, {
      method: "GET",
      target: "/v1/functions",
    });
    assert.deepEqual(JSON.parse(list.text).functions, []);
    assert.deepEqual([...Deno.readDirSync(loot)], []);

    // The node's own page may change it, with a document type.
    const sameOrigin = await rawRequest(node.url, {
      method: "POST",
      target: "/v1/manifests",
      headers: {
        origin: own.origin,
        "sec-fetch-site": "same-origin",
        "content-type": "application/yaml",
      },
      body: manifest,
    });
    assert.equal(sameOrigin.status, 200, sameOrigin.text);
    // A client that is not a browser sends no Origin and is let through.
    const invoked = await rawRequest(node.url, {
      method: "POST",
      target: "/invoke/pwn?arg=put&arg=mine",
      body: "written",
    });
    assert.equal(invoked.status, 200, invoked.text);
    assert.equal(await Deno.readTextFile(join(loot, "mine")), "written");
    // The CLI is such a client.
    const ls = await cli(["ls", "--url", node.url]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdoutText, /^pwn /m);
  } finally {
    await Deno.remove(loot, { recursive: true });
  }
});

Deno.test("without a token, only loopback, IP and allowed host names are answered (DNS rebinding)", async () => {
  await using node = await startNode({
    flags: ["--allowed-host", "eddy.test", "--allowed-host", "Pi.Local"],
  });
  const { port } = new URL(node.url);
  await upload(node.url, echo);
  const rebound = [
    `attacker.example:${port}`,
    "attacker.example",
    `localhost.attacker.example:${port}`,
    `127.0.0.1.nip.io:${port}`,
    `eddy.test.attacker.example:${port}`,
  ];
  let answered = 0;
  for (const host of rebound) {
    for (
      const [method, target] of [
        ["GET", "/v1/functions"],
        ["GET", "/v1/modules"],
        ["GET", "/healthz"],
        ["GET", "/metrics"],
        ["POST", "/invoke/echo"],
      ]
    ) {
      const res = await rawRequest(node.url, {
        method,
        target,
        headers: { host },
        body: method === "POST" ? "x" : undefined,
      });
      if (res.status !== 403) answered++;
      assert.equal(JSON.parse(res.text).error.code, "host_not_allowed");
    }
  }
  assert.equal(answered, 0);
  for (const host of ["a b", "[::1", `127.0.0.1:99999`]) {
    const res = await rawRequest(node.url, {
      method: "GET",
      target: "/healthz",
      headers: { host },
    });
    assert.equal(res.status, 400, host);
    assert.equal(JSON.parse(res.text).error.code, "invalid_host");
  }
  for (
    const host of [
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      "10.1.2.3:8080",
      `eddy.test:${port}`,
      "pi.local",
    ]
  ) {
    const res = await rawRequest(node.url, {
      method: "GET",
      target: "/v1/modules",
      headers: { host },
    });
    assert.equal(res.status, 200, `${host}: ${res.text}`);
    assert.equal(JSON.parse(res.text).modules.length, 1);
  }
});

Deno.test("management writes say what they send: documents JSON or YAML, modules wasm", async () => {
  await using node = await startNode();
  const digest = await upload(node.url, echo);
  const manifest = `functions: [{name: echo, module: "${digest}"}]`;
  for (
    const type of [
      undefined,
      "text/plain",
      "multipart/form-data; boundary=x",
      "application/x-www-form-urlencoded",
    ]
  ) {
    for (
      const [method, target, body] of [
        ["POST", "/v1/manifests", manifest],
        [
          "POST",
          "/v1/workflows",
          "name: w\nsteps: [{name: a, function: echo}]\n",
        ],
        ["POST", "/v1/peers", '{"url": "http://127.0.0.1:1"}'],
        ["PUT", "/v1/modules", echo],
        ["PUT", "/v1/functions/echo", echo],
      ] as const
    ) {
      const res = await rawRequest(node.url, {
        method,
        target,
        headers: type ? { "content-type": type } : {},
        body,
      });
      assert.equal(res.status, 415, `${target} ${type}: ${res.text}`);
      const { error } = JSON.parse(res.text);
      assert.equal(error.code, "unsupported_media_type");
      assert.ok(error.accepted.length > 0);
    }
  }
  const list = await (await fetch(`${node.url}/v1/functions`)).json();
  assert.deepEqual(list.functions, []);
  for (
    const type of [
      "application/json",
      "application/yaml; charset=utf-8",
      "Application/X-YAML",
      "text/yaml",
    ]
  ) {
    const res = await rawRequest(node.url, {
      method: "POST",
      target: "/v1/manifests",
      headers: { "content-type": type },
      body: manifest,
    });
    assert.equal(res.status, 200, `${type}: ${res.text}`);
  }
  const octets = await rawRequest(node.url, {
    method: "PUT",
    target: "/v1/functions/echo2",
    headers: { "content-type": "application/octet-stream" },
    body: echo,
  });
  assert.equal(octets.status, 201, octets.text);
});

Deno.test("with a token, host and origin are not checked; the token is", async () => {
  await using node = await startNode({ env: { EDDY_TOKEN: "s3cret" } });
  const foreign = {
    host: "eddy.example.com",
    origin: "https://console.example.com",
  };
  const refused = await rawRequest(node.url, {
    method: "PUT",
    target: "/v1/modules",
    headers: { ...foreign, "content-type": "application/wasm" },
    body: echo,
  });
  assert.equal(refused.status, 401);
  assert.equal(JSON.parse(refused.text).error.code, "unauthorized");
  const malformed = await rawRequest(node.url, {
    method: "GET",
    target: "/v1/modules",
    headers: { authorization: "Basic czNjcmV0" },
  });
  assert.equal(malformed.status, 401);
  assert.equal(JSON.parse(malformed.text).error.code, "unauthorized");
  const put = await rawRequest(node.url, {
    method: "PUT",
    target: "/v1/functions/echo",
    headers: {
      ...foreign,
      authorization: "Bearer s3cret",
      "content-type": "application/wasm",
    },
    body: echo,
  });
  assert.equal(put.status, 201, put.text);
  const invoked = await rawRequest(node.url, {
    method: "POST",
    target: "/invoke/echo",
    headers: foreign,
    body: "hi",
  });
  assert.equal(invoked.status, 200);
  assert.equal(invoked.text, "hi");
});

Deno.test("an empty token is a startup error, wherever it comes from", async () => {
  const dataDir = await tempDir({ prefix: "eddy-test-" });
  const config = join(dataDir, "eddy.yaml");
  await Deno.writeTextFile(config, 'token: ""\n');
  try {
    for (
      const [args, env] of [
        [["--token", ""], {}],
        [[], { EDDY_TOKEN: "" }],
        [["--config", config], {}],
      ] as const
    ) {
      const res = await cli(
        ["serve", "--port", "0", "--data-dir", dataDir, ...args],
        { env },
      );
      assert.equal(res.code, 2, res.stderr);
      assert.match(res.stderr, /token is empty/);
      assert.doesNotMatch(res.stderr, /^\s+at /m);
    }
    const odd = await cli([
      "serve",
      "--port",
      "0",
      "--data-dir",
      dataDir,
      "--token",
      "two words",
    ]);
    assert.notEqual(odd.code, 0);
    assert.match(odd.stderr, /a token may hold only/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
