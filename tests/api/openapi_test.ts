/**
 * The OpenAPI document against the code: every route is in it and nothing
 * else, every error code it documents is one the code raises, the errors
 * provoked for real are documented for their route, and request bodies
 * are validated by the document's own schemas.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createApp } from "../../api/app.ts";
import { managementApp } from "../../api/management.ts";
import { PeerUrlSchema } from "../../api/openapi/mod.ts";
import { EddyNode } from "../../node/node.ts";
import { REPO_ROOT } from "../_helpers/node_process.ts";
import { wat } from "../_helpers/wat.ts";

const echo = await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm"));
const trap = wat(`(module (memory (export "memory") 1)
  (func (export "_start") unreachable))`);

interface Operation {
  responses: Record<string, {
    content?: Record<string, {
      schema?: {
        properties?: {
          error?: { properties?: { code?: { enum?: string[] } } };
        };
      };
    }>;
  }>;
  requestBody?: { content: Record<string, unknown> };
}
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

async function withApp(
  fn: (
    app: ReturnType<typeof createApp>,
    node: EddyNode,
    doc: Document,
  ) => Promise<void>,
  token?: string,
) {
  const dataDir = await Deno.makeTempDir();
  const node = await EddyNode.start({ dataDir, workers: 1, nodeId: "n1" });
  try {
    const app = createApp(node, { token, maxModuleBytes: 1 << 20 });
    const res = await app.request("/v1/openapi.json", {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    assert.equal(res.status, 200);
    await fn(app, node, await res.json());
  } finally {
    await node.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** `{status: codes}` an operation documents. */
function documented(op: Operation): Map<string, string[]> {
  return new Map(
    Object.entries(op.responses).map(([status, r]) => [
      status,
      r.content?.["application/json"]?.schema?.properties?.error?.properties
        ?.code?.enum ?? [],
    ]),
  );
}

/** Hono's `/:name` as OpenAPI's `/{name}`. */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

Deno.test("OpenAPI: 3.1, and every API route is in it and nothing else", () =>
  withApp((app, node, doc) => {
    assert.equal(doc.openapi, "3.1.0");
    // The routes served from the start, then those loaded on first use
    // (the app forwards everything else to them with ALL routes).
    const management = managementApp(node, { maxModuleBytes: 1 << 20 });
    const routes = new Set(
      [...app.routes, ...management.app.routes]
        .filter((r) => r.method !== "ALL")
        // The console's pages and the document itself are not the API.
        .filter((r) =>
          r.path !== "/" && !r.path.startsWith("/console") &&
          r.path !== "/v1/openapi.json"
        )
        .map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`),
    );
    const operations = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method} ${path}`)
      ),
    );
    assert.deepEqual([...operations].sort(), [...routes].sort());
    for (
      const expected of [
        "post /invoke/{name}",
        "post /workflows/{name}",
        "put /v1/functions/{name}",
        "post /v1/manifests",
        "delete /v1/modules/{digest}",
        "post /v1/peers/announce",
        "get /metrics",
        "post /comm",
      ]
    ) assert.ok(operations.has(expected), expected);
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      assert.ok(schema, name);
    }
    assert.ok(doc.components.schemas.Deployment);
    return Promise.resolve();
  }));

Deno.test("OpenAPI: with a token, /v1/* operations say they take a bearer token", () =>
  withApp((_app, _node, doc) => {
    const secured = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.values(item).map((op) => [path, "security" in op] as const)
    );
    for (const [path, hasSecurity] of secured) {
      assert.equal(hasSecurity, path.startsWith("/v1/"), path);
    }
    return Promise.resolve();
  }, "s3cret"));

Deno.test("OpenAPI: every documented error code is one the code raises", () =>
  withApp(async (_app, _node, doc) => {
    // The product's sources, without the documentation of errors.
    const sources: string[] = [];
    for (const dir of ["api", "node", "runtime", "workflow", "comm"]) {
      for await (const file of walk(join(REPO_ROOT, dir))) {
        if (file.includes("/api/openapi/")) continue;
        // What the routes document is not evidence of what they raise.
        sources.push(
          (await Deno.readTextFile(file)).replace(
            /errorResponses\([^)]*\)/g,
            "",
          ),
        );
      }
    }
    const text = sources.join("\n");
    const codes = new Set(
      Object.values(doc.paths).flatMap((item) =>
        Object.values(item).flatMap((op) => [...documented(op).values()].flat())
      ),
    );
    assert.ok(codes.size > 30, `${codes.size} codes`);
    for (const code of codes) {
      assert.ok(
        text.includes(`"${code}"`) || text.includes(`${code}:`),
        `documented code '${code}' appears nowhere in the code`,
      );
    }
  }));

Deno.test("OpenAPI: errors provoked for real are documented for their route", () =>
  withApp(async (app, node, doc) => {
    await node.deployModule("echo", echo);
    await node.deployModule("trap", trap);
    const wasm = { "content-type": "application/wasm" };
    const json = { "content-type": "application/json" };
    const digest = `sha256:${"0".repeat(64)}`;
    const cases: [string, string, string, RequestInit, number, string][] = [
      [
        "get",
        "/v1/functions/{name}",
        "/v1/functions/nope",
        {},
        404,
        "not_found",
      ],
      [
        "put",
        "/v1/functions/{name}",
        "/v1/functions/x",
        { body: echo },
        415,
        "unsupported_media_type",
      ],
      [
        "put",
        "/v1/functions/{name}",
        "/v1/functions/x",
        { headers: wasm, body: "nope" },
        400,
        "invalid_module",
      ],
      [
        "put",
        "/v1/modules",
        "/v1/modules",
        { headers: wasm, body: new Uint8Array(2 << 20) },
        413,
        "module_too_large",
      ],
      [
        "get",
        "/v1/modules/{digest}",
        `/v1/modules/${digest}`,
        {},
        404,
        "not_found",
      ],
      [
        "delete",
        "/v1/modules/{digest}",
        "/v1/modules/not-a-digest",
        {},
        400,
        "invalid_digest",
      ],
      [
        "post",
        "/v1/manifests",
        "/v1/manifests",
        { headers: json, body: "{}" },
        400,
        "invalid_manifest",
      ],
      [
        "post",
        "/v1/peers",
        "/v1/peers",
        { headers: json, body: "{" },
        400,
        "invalid_peer",
      ],
      [
        "post",
        "/v1/peers",
        "/v1/peers",
        { headers: json, body: '{"url":"ftp://x"}' },
        400,
        "invalid_peer",
      ],
      [
        "post",
        "/v1/peers/announce",
        "/v1/peers/announce",
        { headers: json, body: "[]" },
        400,
        "invalid_peer",
      ],
      ["delete", "/v1/peers/{peer}", "/v1/peers/nope", {}, 404, "not_found"],
      [
        "post",
        "/v1/workflows",
        "/v1/workflows",
        { headers: json, body: "{}" },
        400,
        "invalid_workflow",
      ],
      [
        "get",
        "/v1/workflows/{name}",
        "/v1/workflows/nope",
        {},
        404,
        "not_found",
      ],
      [
        "delete",
        "/v1/workflows/{name}",
        "/v1/workflows/nope",
        {},
        404,
        "not_found",
      ],
      [
        "post",
        "/workflows/{name}",
        "/workflows/nope",
        { body: "x" },
        404,
        "not_found",
      ],
      [
        "post",
        "/invoke/{name}",
        "/invoke/nope",
        { body: "x" },
        404,
        "not_found",
      ],
      ["post", "/invoke/{name}", "/invoke/trap", { body: "x" }, 500, "trap"],
      ["post", "/comm", "/comm", { body: "x" }, 400, "bad_comm_request"],
      [
        "get",
        "/healthz",
        "http://evil.example/healthz",
        {},
        403,
        "host_not_allowed",
      ],
      [
        "post",
        "/invoke/{name}",
        "/invoke/echo",
        { headers: { origin: "http://evil.example" }, body: "x" },
        403,
        "cross_origin",
      ],
      [
        "get",
        "/v1/functions/{name}",
        "/v1/functions/%zz",
        {},
        400,
        "invalid_url",
      ],
    ];
    for (const [method, path, url, init, status, code] of cases) {
      const res = await app.request(url, {
        method: method.toUpperCase(),
        ...init,
      });
      const body = await res.json();
      assert.equal(
        res.status,
        status,
        `${method} ${url}: ${JSON.stringify(body)}`,
      );
      assert.equal(body.error.code, code, `${method} ${url}`);
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method} ${path} is documented`);
      assert.ok(
        documented(op).get(String(status))?.includes(code),
        `${method} ${path} documents ${status} ${code}`,
      );
    }
    const token = createApp(node, { token: "s3cret" });
    const refused = await token.request("/v1/functions");
    assert.equal(refused.status, 401);
    assert.equal((await refused.json()).error.code, "unauthorized");
    assert.ok(
      documented(doc.paths["/v1/functions"].get).get("401")?.includes(
        "unauthorized",
      ),
    );
  }));

Deno.test("OpenAPI: request bodies are validated by the document's own schemas", () =>
  withApp(async (app, _node, doc) => {
    const ref = (doc.paths["/v1/peers"].post.requestBody!.content[
      "application/json"
    ] as { schema: { $ref: string } }).schema.$ref;
    assert.equal(ref, "#/components/schemas/PeerUrl");
    const pattern = (doc.components.schemas.PeerUrl as {
      properties: { url: { pattern: string } };
    }).properties.url.pattern;
    for (
      const url of [
        "http://10.0.0.2:8080",
        "https://a.b",
        "ftp://x",
        "http://a/b",
        7,
      ]
    ) {
      const schemaSays = PeerUrlSchema.safeParse({ url }).success;
      assert.equal(
        typeof url === "string" && new RegExp(pattern).test(url),
        schemaSays,
        String(url),
      );
      if (schemaSays) continue;
      const res = await app.request("/v1/peers", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url }),
      });
      assert.equal(res.status, 400, String(url));
      const { error } = await res.json();
      assert.equal(error.code, "invalid_peer");
      assert.match(error.message, /^the request's body is not valid: url: /);
    }
  }));

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* walk(path);
    else if (/\.tsx?$/.test(entry.name)) yield path;
  }
}
