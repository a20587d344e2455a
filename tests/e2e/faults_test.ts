import assert from "node:assert/strict";
import { join } from "node:path";
import { wat } from "../_helpers/wat.ts";
import { REPO_ROOT, startNode } from "../_helpers/node_process.ts";
import { tempDir } from "../_helpers/temp.ts";

const example = (name: string) =>
  Deno.readFile(join(REPO_ROOT, `examples/${name}/${name}.wasm`));

/** A guest that passes an iovec pointing past its memory to fd_write and exits with the errno. */
const BAD_POINTER = wat(`(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 0xfffff0))
    (i32.store (i32.const 4) (i32.const 64))
    (call $exit (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);

interface Fixture {
  url: string;
  put(name: string, bytes: Uint8Array<ArrayBuffer>): Promise<string>;
  apply(yaml: string): Promise<Response>;
  invoke(name: string, body?: BodyInit): Promise<Response>;
  echoWorks(): Promise<void>;
}

async function fixture(url: string): Promise<Fixture> {
  const f: Fixture = {
    url,
    async put(_name, bytes) {
      const res = await fetch(`${url}/v1/modules`, {
        method: "PUT",
        headers: { "content-type": "application/wasm" },
        body: bytes,
      });
      assert.equal(res.status, 201);
      return (await res.json()).digest;
    },
    apply: (yaml) =>
      fetch(`${url}/v1/manifests`, {
        method: "POST",
        headers: { "content-type": "application/yaml" },
        body: yaml,
      }),
    invoke: (name, body = "") =>
      fetch(`${url}/invoke/${name}`, { method: "POST", body }),
    async echoWorks() {
      const res = await f.invoke("echo", "still serving");
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "still serving");
    },
  };
  const echo = await f.put("echo", await example("echo"));
  const applied = await f.apply(`functions: [{name: echo, module: "${echo}"}]`);
  assert.equal(applied.status, 200);
  await applied.body?.cancel();
  return f;
}

async function errorOf(res: Response, status: number) {
  const text = await res.text();
  assert.equal(res.status, status, text);
  return JSON.parse(text).error;
}

Deno.test("bad uploads and manifests are refused with what is wrong", async (t) => {
  await using node = await startNode();
  const f = await fixture(node.url);

  await t.step("not wasm", async () => {
    const error = await errorOf(
      await fetch(`${f.url}/v1/modules`, {
        method: "PUT",
        headers: { "content-type": "application/wasm" },
        body: "hello",
      }),
      400,
    );
    assert.equal(error.code, "invalid_module");
  });
  await t.step("missing _start and memory, foreign import", async () => {
    const bytes = wat(
      `(module (import "env" "f" (func)) (func (export "main")))`,
    );
    const error = await errorOf(
      await fetch(`${f.url}/v1/functions/broken`, {
        method: "PUT",
        headers: { "content-type": "application/wasm" },
        body: bytes,
      }),
      400,
    );
    assert.equal(error.code, "invalid_module");
    const text = error.problems.join("\n");
    assert.match(text, /_start/);
    assert.match(text, /memory/);
    assert.match(text, /env/);
  });
  await t.step("YAML syntax error names the line", async () => {
    const error = await errorOf(
      await f.apply("functions:\n  - name: x\n    module: [unclosed\n"),
      400,
    );
    assert.equal(error.code, "invalid_manifest");
    assert.equal(typeof error.line, "number");
  });
  await t.step("a bad field names the field and its line", async () => {
    const error = await errorOf(
      await f.apply(
        "functions:\n  - name: x\n    module: sha256:" + "0".repeat(64) +
          "\n    limits:\n      timeout: soon\n",
      ),
      400,
    );
    assert.equal(error.field, "functions[0].limits.timeout");
    assert.equal(error.line, 5);
  });
  await t.step("a module digest that was never uploaded", async () => {
    const error = await errorOf(
      await f.apply(
        `functions: [{name: ghost, module: "sha256:${"a".repeat(64)}"}]`,
      ),
      400,
    );
    assert.match(error.message, /ghost|module/);
  });
  await t.step("unknown function", async () => {
    const error = await errorOf(await f.invoke("nope", "x"), 404);
    assert.equal(error.code, "not_found");
  });
  await f.echoWorks();
  const list = await (await fetch(`${f.url}/v1/functions`)).json();
  assert.deepEqual(list.functions.map((x: { name: string }) => x.name), [
    "echo",
  ]);
});

Deno.test("guest failures fail that invocation alone", async (t) => {
  await using node = await startNode({ flags: ["--workers", "1"] });
  const f = await fixture(node.url);
  const d = {
    echo: await f.put("echo", await example("echo")),
    fail: await f.put("fail", await example("fail")),
    spin: await f.put("spin", await example("spin")),
    hog: await f.put("hog", await example("hog")),
    bad: await f.put("bad", BAD_POINTER),
  };
  const applied = await f.apply(`functions:
  - {name: small, module: "${d.echo}", limits: {maxInput: 1KiB, maxOutput: 4KiB}}
  - {name: tight, module: "${d.echo}", limits: {maxInput: 8KiB, maxOutput: 1KiB}}
  - {name: exit7, module: "${d.fail}", args: ["7"]}
  - {name: trap, module: "${d.fail}", args: ["trap"]}
  - {name: spin, module: "${d.spin}", limits: {timeout: 300ms}}
  - {name: hog, module: "${d.hog}", limits: {memory: 16MiB}}
  - {name: bad, module: "${d.bad}"}
`);
  assert.equal(applied.status, 200, await applied.clone().text());
  await applied.body?.cancel();

  await t.step("input over maxInput: 413", async () => {
    const error = await errorOf(
      await f.invoke("small", new Uint8Array(2048)),
      413,
    );
    assert.equal(error.code, "input_too_large");
    assert.equal(error.function, "small");
  });
  await t.step("output over maxOutput: 413", async () => {
    const error = await errorOf(
      await f.invoke("tight", new Uint8Array(4096)),
      413,
    );
    assert.equal(error.code, "output_too_large");
  });
  await t.step("non-zero exit: 500 with code and stderr tail", async () => {
    const error = await errorOf(await f.invoke("exit7"), 500);
    assert.equal(error.reason, "exit");
    assert.equal(error.exitCode, 7);
    assert.match(error.stderr, /something went wrong/);
  });
  await t.step("trap: 500", async () => {
    const error = await errorOf(await f.invoke("trap"), 500);
    assert.equal(error.reason, "trap");
    assert.match(error.message, /unreachable/);
  });
  await t.step("bad pointer: EFAULT to the guest, no host crash", async () => {
    const error = await errorOf(await f.invoke("bad"), 500);
    assert.equal(error.exitCode, 21);
  });
  await t.step("memory growth past the limit", async () => {
    const error = await errorOf(await f.invoke("hog", ""), 500);
    assert.equal(error.reason, "memory_limit");
    assert.match(error.stderr, /out of memory/);
  });
  await t.step(
    "infinite loop under a timeout: 504, its worker interrupted, not replaced",
    async () => {
      const started = performance.now();
      const [spin, echo] = await Promise.all([
        f.invoke("spin"),
        // queued behind the runaway guest on the only worker: must not be lost
        new Promise<Response>((r) =>
          setTimeout(() => r(f.invoke("echo", "queued")), 50)
        ),
      ]);
      const error = await errorOf(spin, 504);
      assert.equal(error.reason, "timeout");
      assert.ok(performance.now() - started < 5000);
      assert.equal(await echo.text(), "queued");
    },
  );
  await f.echoWorks();
  const metrics = await (await fetch(`${f.url}/metrics`)).text();
  assert.match(
    metrics,
    /eddy_invocation_errors_total\{function="spin",reason="timeout"\} 1/,
  );
  assert.match(metrics, /eddy_executor_restarts 0/);
  assert.match(metrics, /\neddy_executor_starved_lifts \d+\n/);
});

Deno.test("a guest cannot reach outside its preopened directory", async () => {
  const root = await tempDir();
  const shared = join(root, "shared");
  await Deno.mkdir(shared);
  await Deno.writeTextFile(join(root, "secret.txt"), "top secret");
  await using node = await startNode();
  const f = await fixture(node.url);
  const notes = await f.put("notes", await example("notes"));
  const applied = await f.apply(`functions:
  - name: put
    module: "${notes}"
    args: [put, hello.txt]
    dirs: [{host: "${shared}", guest: /data, writable: true}]
  - name: get
    module: "${notes}"
    args: [get, hello.txt]
    dirs: ["${shared}::/data"]
  - name: escape
    module: "${notes}"
    args: [get, ../secret.txt]
    dirs: ["${shared}::/data"]
`);
  assert.equal(applied.status, 200, await applied.clone().text());
  await applied.body?.cancel();
  const put = await f.invoke("put", "hi there");
  assert.equal(put.status, 200, await put.clone().text());
  await put.body?.cancel();
  assert.equal(await Deno.readTextFile(join(shared, "hello.txt")), "hi there");
  assert.equal(await (await f.invoke("get")).text(), "hi there");
  const error = await errorOf(await f.invoke("escape"), 500);
  assert.equal(error.reason, "exit");
  assert.doesNotMatch(JSON.stringify(error), /top secret/);
  await f.echoWorks();
  await Deno.remove(root, { recursive: true });
});
