import assert from "node:assert/strict";
import { join } from "node:path";
import { createApp, createHandler } from "../../api/app.ts";
import { directInvocations } from "../../api/direct_invoke.ts";
import { EddyNode } from "../../node/node.ts";
import { randomBytes } from "../_helpers/data.ts";
import { REPO_ROOT } from "../_helpers/node_process.ts";
import { tempDir } from "../_helpers/temp.ts";

const echo = await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm"));

/** A node with echo deployed, its router-only app and its served handler. */
async function withBoth(
  fn: (
    viaApp: (url: string, init?: RequestInit) => Promise<Response>,
    viaHandler: (url: string, init?: RequestInit) => Promise<Response>,
  ) => Promise<void>,
  token?: string,
) {
  const dataDir = await tempDir();
  const node = await EddyNode.start({ dataDir, workers: 1, nodeId: "n1" });
  try {
    const app = createApp(node, { token });
    const handler = createHandler(node, { token });
    const put = await app.request("/v1/functions/echo", {
      method: "PUT",
      headers: {
        "content-type": "application/wasm",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: echo,
    });
    assert.equal(put.status, 201, await put.clone().text());
    await fn(
      async (url, init) => await app.request(url, init),
      async (url, init) => await handler(new Request(url, init)),
    );
  } finally {
    await node.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** What a client sees of a response, bar timings. */
async function seen(response: Response) {
  const headers = Object.fromEntries(
    [...response.headers].filter(([key]) => key !== "x-eddy-duration-ms"),
  );
  const body = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers, body };
}

const LOCAL = "http://127.0.0.1:8080";

const cases: [string, string, RequestInit][] = [
  ["a 1 KB echo", "/invoke/echo", { method: "POST", body: randomBytes(1024) }],
  ["an empty body", "/invoke/echo", { method: "POST" }],
  ["an unknown function", "/invoke/nope", { method: "POST", body: "x" }],
  ["a cross-origin page", "/invoke/echo", {
    method: "POST",
    body: "x",
    headers: { origin: "https://evil.example" },
  }],
  ["a cross-site fetch", "/invoke/echo", {
    method: "POST",
    body: "x",
    headers: { "sec-fetch-site": "cross-site" },
  }],
  ["a declared size past the limit", "/invoke/echo", {
    method: "POST",
    body: "x",
    headers: { "content-length": String(64 * 1024 * 1024 + 1) },
  }],
  ["a trailing slash", "/invoke/echo/", { method: "POST", body: "x" }],
  ["an escaped name", "/invoke/ec%68o", { method: "POST", body: "hi" }],
  ["a broken escape", "/invoke/ec%zzo", { method: "POST", body: "hi" }],
  ["args in the query", "/invoke/echo?arg=a&arg=b", {
    method: "POST",
    body: "hi",
  }],
  ["a GET", "/invoke/echo", { method: "GET" }],
  // A DNS-rebinding page: the browser sends the attacker's host name.
  ["a foreign host name", "http://rebound.example:8080/invoke/echo", {
    method: "POST",
    body: "x",
  }],
];

for (const token of [undefined, "s3cret"]) {
  for (const [what, path, init] of cases) {
    Deno.test(
      `direct and routed invocation answer ${what} alike${
        token ? " (with a token)" : ""
      }`,
      () =>
        withBoth(async (viaApp, viaHandler) => {
          const url = path.startsWith("/") ? `${LOCAL}${path}` : path;
          const routed = await seen(await viaApp(url, init));
          const direct = await seen(await viaHandler(url, init));
          assert.deepEqual(direct, routed);
          if (what === "a 1 KB echo") {
            assert.equal(direct.status, 200);
            assert.deepEqual(direct.body, init.body);
          }
        }, token),
    );
  }
}

Deno.test("plain invocations skip the router; anything else reaches it", async () => {
  const dataDir = await tempDir();
  const node = await EddyNode.start({ dataDir, workers: 1 });
  try {
    const routed: string[] = [];
    const handler = directInvocations(node, [], (request) => {
      routed.push(new URL(request.url).pathname + new URL(request.url).search);
      return new Response(null, { status: 204 });
    });
    const post = (path: string) =>
      handler(new Request(`${LOCAL}${path}`, { method: "POST", body: "x" }));
    const direct = await post("/invoke/nope");
    assert.equal(direct.status, 404);
    assert.equal((await direct.json()).error.code, "not_found");
    for (
      const path of [
        "/invoke/",
        "/invoke/a/b",
        "/invoke/a?arg=1",
        "/invoke/%61",
      ]
    ) {
      assert.equal((await post(path)).status, 204, path);
    }
    assert.equal((await handler(new Request(`${LOCAL}/invoke/x`))).status, 204);
    assert.deepEqual(routed, [
      "/invoke/",
      "/invoke/a/b",
      "/invoke/a?arg=1",
      "/invoke/%61",
      "/invoke/x",
    ]);
  } finally {
    await node.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
