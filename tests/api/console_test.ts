/**
 * The console's pages and access, through `app.request()`: HTML that names
 * what the node has, local assets only, the session cookie, CSRF tokens,
 * and changes that go through the API's own checks.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createApp } from "../../api/app.ts";
import { EddyNode } from "../../node/node.ts";
import { REPO_ROOT } from "../_helpers/node_process.ts";

const echo = await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm"));
const TOKEN = "console-token";

async function withApp(
  fn: (app: ReturnType<typeof createApp>, node: EddyNode) => Promise<void>,
  token?: string,
) {
  const dataDir = await Deno.makeTempDir();
  const node = await EddyNode.start({ dataDir, workers: 1, nodeId: "n1" });
  try {
    await fn(createApp(node, { token }), node);
  } finally {
    await node.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** The session cookie a response sets, as a Cookie header. */
function cookieOf(res: Response): string {
  const set = res.headers.get("set-cookie") ?? "";
  assert.match(set, /eddy_session=/, "no session cookie");
  return set.split(";")[0];
}

function csrfOf(html: string): string {
  const token = /name="_csrf" value="([0-9a-f]+)"/.exec(html)?.[1];
  assert.ok(token, "no CSRF field");
  return token;
}

/** Every URL the page loads or links to that is not on the node itself. */
function foreignUrls(html: string): string[] {
  return [...html.matchAll(/(?:src|href|action)="([^"]*)"/g)]
    .map((m) => m[1])
    .filter((url) => !url.startsWith("/") && !url.startsWith("#"));
}

Deno.test("console pages without a token: the node, its functions, local assets only", () =>
  withApp(async (app, node) => {
    await node.deployModule("echo", echo);
    for (let i = 0; i < 3; i++) await node.invoke("echo", new Uint8Array([1]));
    const home = await app.request("/");
    assert.equal(home.status, 200);
    assert.match(home.headers.get("content-type")!, /^text\/html/);
    const set = home.headers.get("set-cookie")!;
    assert.match(set, /HttpOnly/);
    assert.match(set, /SameSite=Strict/);
    const html = await home.text();
    assert.match(html, /^<!DOCTYPE html><html lang="en">/);
    assert.match(html, /<title>Node &amp; cluster · eddy · n1<\/title>/);
    assert.match(html, /data-live="node.workers"/);
    assert.match(html, /data-node="n1"/);
    assert.deepEqual(foreignUrls(html), []);

    const functions = await (await app.request("/console/functions")).text();
    assert.match(functions, /<strong>echo<\/strong>/);
    assert.match(
      functions,
      new RegExp(node.registry.get("echo")!.module.slice(0, 19)),
    );
    assert.match(functions, /data-fn="echo" data-field="invocations">3</);
    assert.match(functions, /<svg class="spark"[^>]*data-spark="echo"/);
    assert.deepEqual(foreignUrls(functions), []);

    const page = await (await app.request("/console/functions/echo")).text();
    assert.match(page, /action="\/console\/functions\/echo\/invoke"/);
    assert.match(page, /<label>Input text<textarea name="input"/);

    for (const asset of ["console.css", "live.js", "logo.svg"]) {
      const res = await app.request(`/console/assets/${asset}`);
      assert.equal(res.status, 200, asset);
      assert.ok(res.headers.get("etag"), asset);
      assert.doesNotMatch(
        await res.text(),
        /https?:\/\/(?!www\.w3\.org\/2000\/svg)/,
      );
    }
    const missing = await app.request("/console/functions/nope");
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /no function named &#39;nope&#39;/);
  }));

Deno.test("console live figures: an event stream of the node's and each function's counters", () =>
  withApp(async (app, node) => {
    await node.deployModule("echo", echo);
    await node.invoke("echo", new Uint8Array([1]));
    const controller = new AbortController();
    const res = await app.request("/console/events", {
      signal: controller.signal,
    });
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n\n")) text += (await reader.read()).value;
    controller.abort();
    await reader.cancel();
    const [event, data] = text.split("\n");
    assert.equal(event, "event: figures");
    const figures = JSON.parse(data.slice("data: ".length));
    assert.equal(figures.functions.echo.invocations, 1);
    // In the last slot or, across a slot boundary, the one before.
    const series: number[] = figures.functions.echo.series.invocations;
    assert.equal(series.reduce((sum, n) => sum + n, 0), 1);
    assert.ok(series.at(-1)! + series.at(-2)! === 1);
    assert.ok(figures.node.rssBytes > 0);
    assert.equal(figures.node.workers, 1);
  }));

Deno.test("console without a token: loopback clients only, and the API's Host check holds", () =>
  withApp(async (app) => {
    const remote = (hostname: string) => ({
      remoteAddr: { transport: "tcp", hostname, port: 5000 },
    });
    const lan = await app.request("/", {}, remote("192.168.1.20"));
    assert.equal(lan.status, 403);
    assert.equal((await lan.json()).error.code, "console_loopback_only");
    assert.equal((await app.request("/", {}, remote("127.0.0.1"))).status, 200);
    const rebound = await app.request("http://evil.example/", {});
    assert.equal(rebound.status, 403);
    assert.equal((await rebound.json()).error.code, "host_not_allowed");
  }));

Deno.test("console actions: a CSRF token from the session, the same origin, then the API", () =>
  withApp(async (app, node) => {
    await node.deployModule("echo", echo);
    const home = await app.request("/console/functions");
    const cookie = cookieOf(home);
    const csrf = csrfOf(await home.text());
    const remove = (form: Record<string, string>, headers = {}) =>
      app.request("/console/functions/echo/remove", {
        method: "POST",
        headers: { cookie, ...headers },
        body: new URLSearchParams(form),
      });
    for (
      const [form, headers, code] of [
        [{}, {}, "invalid_csrf_token"],
        [{ _csrf: "0".repeat(64) }, {}, "invalid_csrf_token"],
        [{ _csrf: csrf }, { origin: "http://evil.example" }, "cross_origin"],
        [{ _csrf: csrf }, { "sec-fetch-site": "cross-site" }, "cross_origin"],
      ] as const
    ) {
      const res = await remove(form, headers);
      assert.equal(res.status, 403, code);
      assert.equal((await res.json()).error.code, code);
      assert.ok(node.registry.get("echo"), "nothing removed");
    }
    // Another session's token is not this one's.
    const other = await app.request("/console/functions");
    const res = await remove({ _csrf: csrfOf(await other.text()) });
    assert.equal(res.status, 403);
    await res.body?.cancel();

    const removed = await remove({ _csrf: csrf }, {
      origin: "http://localhost",
    });
    assert.equal(removed.status, 303);
    assert.equal(removed.headers.get("location"), "/console/functions");
    assert.equal(node.registry.get("echo"), undefined);
    const after = await app.request("/console/functions", {
      headers: { cookie },
    });
    assert.match(await after.text(), /role="status">removed echo</);
  }));

Deno.test("console with a token: login form, session cookie, actions carry the token to the API", () =>
  withApp(async (app, node) => {
    const first = await app.request("/console/functions");
    assert.equal(first.status, 303);
    assert.equal(
      first.headers.get("location"),
      "/console/login?next=%2Fconsole%2Ffunctions",
    );
    assert.equal(first.headers.get("set-cookie"), null);
    const form =
      await (await app.request("/console/login?next=/console/functions"))
        .text();
    assert.match(form, /<input type="password" name="token"/);
    assert.match(form, /name="next" value="\/console\/functions"/);

    const login = (token: string, next = "/console/functions") =>
      app.request("/console/login", {
        method: "POST",
        body: new URLSearchParams({ token, next }),
      });
    const wrong = await login("nope");
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get("set-cookie"), null);
    assert.match(await wrong.text(), /not this node&#39;s token/);
    const offsite = await login(TOKEN, "//evil.example/");
    assert.equal(offsite.headers.get("location"), "/");
    const ok = await login(TOKEN);
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get("location"), "/console/functions");
    const cookie = cookieOf(ok);
    assert.match(ok.headers.get("set-cookie")!, /HttpOnly; SameSite=Strict/);

    const page = await app.request("/console/functions", {
      headers: { cookie },
    });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /action="\/console\/logout"/);
    // The session opens the console, not the API.
    const api = await app.request("/v1/functions", { headers: { cookie } });
    assert.equal(api.status, 401);
    await api.body?.cancel();

    const upload = new FormData();
    upload.set("_csrf", csrfOf(html));
    upload.set("name", "echo");
    upload.set("module", new File([echo], "echo.wasm"));
    const deployed = await app.request("/console/functions", {
      method: "POST",
      headers: { cookie },
      body: upload,
    });
    assert.equal(deployed.status, 303);
    assert.equal(deployed.headers.get("location"), "/console/functions/echo");
    assert.equal(node.registry.get("echo")?.name, "echo");

    // A bad module is the API's typed refusal, shown on the page.
    const bad = new FormData();
    bad.set("_csrf", csrfOf(html));
    bad.set("name", "bad");
    bad.set("module", new File([new Uint8Array([0, 1, 2])], "bad.wasm"));
    await app.request("/console/functions", {
      method: "POST",
      headers: { cookie },
      body: bad,
    });
    const shown = await app.request("/console/functions", {
      headers: { cookie },
    });
    assert.match(await shown.text(), /role="alert">invalid_module: /);
    assert.equal(node.registry.get("bad"), undefined);

    const invoked = new FormData();
    invoked.set("_csrf", csrfOf(html));
    invoked.set("input", "line one\r\nline two");
    invoked.set("args", "");
    const out = await app.request("/console/functions/echo/invoke", {
      method: "POST",
      headers: { cookie },
      body: invoked,
    });
    const result = await out.text();
    assert.match(result, /<pre data-result="output">line one\nline two<\/pre>/);
    assert.match(result, /<dd data-result="exit-code">0<\/dd>/);

    const logout = await app.request("/console/logout", {
      method: "POST",
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrfOf(html) }),
    });
    assert.equal(logout.headers.get("location"), "/console/login");
    const gone = await app.request("/console/functions", {
      headers: { cookie },
    });
    assert.equal(gone.status, 303);
  }, TOKEN));

Deno.test("API reference page: every operation of the OpenAPI document, with its error codes", () =>
  withApp(async (app) => {
    const document = await (await app.request("/v1/openapi.json")).json();
    const html = await (await app.request("/console/api")).text();
    let operations = 0;
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of Object.keys(item as object)) {
        operations++;
        assert.ok(
          html.includes(`data-operation="${method.toUpperCase()} ${path}"`),
          `${method} ${path}`,
        );
      }
    }
    assert.ok(operations >= 20, `${operations} operations`);
    assert.match(html, /<code class="pill">module_in_use<\/code>/);
    assert.deepEqual(foreignUrls(html), []);
  }));
