import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, REPO_ROOT, startNode } from "../_helpers/node_process.ts";
import { stateProber } from "../_helpers/state_guests.ts";
import { wat } from "../_helpers/wat.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function upload(url: string, path: string | Uint8Array<ArrayBuffer>) {
  const body = typeof path === "string"
    ? await Deno.readFile(join(REPO_ROOT, path))
    : path;
  const res = await fetch(`${url}/v1/modules`, {
    method: "PUT",
    headers: { "content-type": "application/wasm" },
    body,
  });
  assert.equal(res.status < 300, true);
  return (await res.json()).digest as string;
}

async function apply(url: string, yaml: string): Promise<Response> {
  return await fetch(`${url}/v1/manifests`, {
    method: "POST",
    headers: { "content-type": "application/yaml" },
    body: yaml,
  });
}

async function deploy(url: string, yaml: string): Promise<void> {
  const res = await apply(url, yaml);
  assert.equal(res.status, 200, await res.clone().text());
  await res.body?.cancel();
}

async function invoke(
  url: string,
  fn: string,
  input: string | Uint8Array<ArrayBuffer> = "",
  args: string[] = [],
): Promise<{ status: number; text: string; bytes: Uint8Array }> {
  const query = args.map((a) => `arg=${encodeURIComponent(a)}`).join("&");
  const res = await fetch(`${url}/invoke/${fn}${query ? `?${query}` : ""}`, {
    method: "POST",
    body: input,
    signal: AbortSignal.timeout(30_000),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, text: dec.decode(bytes), bytes };
}

async function counterManifest(url: string): Promise<string> {
  const counter = await upload(url, "examples/counter/counter.wasm");
  const tally = await upload(url, "examples/tally/tally.wasm");
  const notes = await upload(url, "examples/notes/notes.wasm");
  return `functions:
  - name: counter
    module: "${counter}"
    state: [{ bucket: counters, mount: /counters }]
  - name: tally
    module: "${tally}"
    state: [{ bucket: counters, mount: /counters }]
  - name: look
    module: "${notes}"
    state: [{ bucket: counters, mount: /data, readOnly: true }]
  - name: notes
    module: "${notes}"
    state: [{ bucket: notes, mount: /data }]
`;
}

Deno.test("state survives a restart and kill -9", async () => {
  let node = await startNode();
  const dataDir = node.dataDir;
  try {
    await deploy(node.url, await counterManifest(node.url));
    for (let i = 1; i <= 5; i++) {
      assert.equal((await invoke(node.url, "counter")).text, `${i}\n`);
    }
    const put = await invoke(node.url, "notes", "buy milk", ["put", "todo"]);
    assert.equal(put.status, 200, put.text);
    await node.stop();
    node = await startNode({ dataDir });
    assert.equal((await invoke(node.url, "counter")).text, "6\n");
    // Acknowledged, then killed at once: every write that answered is there.
    const acked: number[] = [];
    const writes = Array.from({ length: 20 }, async (_, i) => {
      const res = await fetch(`${node.url}/v1/kv/acked/k${i}`, {
        method: "PUT",
        headers: { "content-type": "application/octet-stream" },
        body: `v${i}`,
      });
      if (res.status === 200) acked.push(i);
      await res.body?.cancel();
    });
    await Promise.all(writes);
    await node.kill();
    node = await startNode({ dataDir });
    assert.equal((await invoke(node.url, "counter")).text, "7\n");
    assert.equal(
      (await invoke(node.url, "notes", "", ["get", "todo"])).text,
      "buy milk",
    );
    assert.equal(acked.length, 20);
    for (const i of acked) {
      const res = await fetch(`${node.url}/v1/kv/acked/k${i}`);
      assert.equal(await res.text(), `v${i}`);
    }
  } finally {
    await node.kill();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("two functions share a bucket; 200 concurrent kv_cas increments end at exactly 200", async () => {
  const node = await startNode();
  try {
    await deploy(node.url, await counterManifest(node.url));
    // C (counter) and AssemblyScript (tally) bump the same key at once.
    const runs = await Promise.all(
      Array.from(
        { length: 200 },
        (_, i) =>
          i % 2
            ? invoke(node.url, "tally")
            : invoke(node.url, "counter", "", ["tally"]),
      ),
    );
    for (const run of runs) assert.equal(run.status, 200, run.text);
    const counts = runs.map((r) => Number(r.text)).sort((a, b) => a - b);
    assert.deepEqual(counts, Array.from({ length: 200 }, (_, i) => i + 1));
    const value = await fetch(`${node.url}/v1/kv/counters/tally`);
    assert.equal(await value.text(), "200");
    // A third function sees the same bucket as files, read-only.
    assert.equal((await invoke(node.url, "look", "", ["ls"])).text, "tally\n");
    assert.equal(
      (await invoke(node.url, "look", "", ["get", "tally"])).text,
      "200",
    );
    const refused = await invoke(node.url, "look", "x", ["put", "tally"]);
    assert.equal(refused.status, 500);
    // ENOTCAPABLE, which notes words as "no directory mounted".
    assert.match(refused.text, /notes: tally: no directory mounted at \/data/);
    assert.equal(
      await (await fetch(`${node.url}/v1/kv/counters/tally`)).text(),
      "200",
    );
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    const writes = Number(/eddy_state_writes_total (\d+)/.exec(metrics)![1]);
    assert.ok(writes >= 200, metrics);
  } finally {
    await node.kill();
    await Deno.remove(node.dataDir, { recursive: true });
  }
});

Deno.test("a guest cannot reach a bucket it did not declare, nor leave its mount", async () => {
  const node = await startNode();
  try {
    const prober = await upload(node.url, stateProber());
    await deploy(
      node.url,
      `functions:
  - name: probe
    module: "${prober}"
    state: [{ bucket: mine, mount: /s }]
  - name: ro
    module: "${prober}"
    state: [{ bucket: mine, mount: /s, readOnly: true }]
`,
    );
    const secret = await fetch(`${node.url}/v1/kv/secret/k`, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: "top secret",
    });
    assert.equal(secret.status, 200);
    const probe = async (fn: string, op: string, arg: string | Uint8Array) => {
      const argBytes = typeof arg === "string" ? enc.encode(arg) : arg;
      const input = new Uint8Array(1 + argBytes.length);
      input[0] = op.charCodeAt(0);
      input.set(argBytes, 1);
      const run = await invoke(node.url, fn, input);
      assert.equal(run.status, 200, run.text);
      return [...run.bytes];
    };
    const ENOTCAPABLE = 76, ENOENT = 44, ENAMETOOLONG = 37, EINVAL = 28;
    // kv_* on a bucket the manifest does not declare: status 6, always.
    assert.deepEqual(await probe("probe", "g", "secret"), [6]);
    assert.deepEqual(await probe("probe", "p", "secret"), [6]);
    assert.deepEqual(await probe("probe", "g", "mine"), [1]);
    assert.deepEqual(await probe("probe", "p", "mine"), [0]);
    assert.deepEqual(await probe("ro", "g", "mine"), [0]);
    assert.deepEqual(await probe("ro", "p", "mine"), [7]);
    // Paths that try to leave the mount, or name what a key cannot be.
    const escapes: [string, string | Uint8Array, number[]][] = [
      ["o", "../secret/k", [ENOTCAPABLE]],
      ["o", "..", [ENOTCAPABLE]],
      ["o", "/s/k", [ENOTCAPABLE]],
      ["o", "/etc/passwd", [ENOTCAPABLE]],
      ["c", "../secret/k", [ENOTCAPABLE, 0, 0]],
      ["c", "../../x", [ENOTCAPABLE, 0, 0]],
      ["c", "/k", [ENOTCAPABLE, 0, 0]],
      ["c", "a/b", [ENOENT, 0, 0]],
      ["c", "k/../../secret/k", [ENOTCAPABLE, 0, 0]],
      ["c", "x".repeat(300), [ENAMETOOLONG, 0, 0]],
      ["c", new Uint8Array([107, 0, 107]), [EINVAL, 0, 0]],
      ["c", "has space", [EINVAL, 0, 0]],
      ["c", ".hidden", [EINVAL, 0, 0]],
      ["u", "../secret/k", [ENOTCAPABLE]],
      ["s", "../secret/k", [ENOTCAPABLE]],
      ["m", "sub", [58]],
    ];
    let through = 0;
    for (const [op, arg, expected] of escapes) {
      const got = await probe("probe", op, arg);
      if (got[0] === 0) through++;
      assert.deepEqual(got, expected, `${op} ${arg}`);
    }
    assert.equal(through, 0);
    // A read-only mount refuses writes as a read-only dir does.
    assert.deepEqual(await probe("ro", "c", "new"), [ENOTCAPABLE, 0, 0]);
    assert.deepEqual(await probe("ro", "u", "k"), [ENOTCAPABLE]);
    // What the guest may do works, and nothing reached the other bucket.
    assert.deepEqual(await probe("probe", "c", "made"), [0, 0, 0]);
    assert.deepEqual(await probe("probe", "o", "made"), [0]);
    assert.deepEqual(await probe("probe", "u", "made"), [0]);
    assert.deepEqual(await probe("probe", "o", "made"), [ENOENT]);
    const mine = await (await fetch(`${node.url}/v1/kv/mine`)).json();
    assert.deepEqual(mine.keys, ["k"]);
    const other = await (await fetch(`${node.url}/v1/kv/secret`)).json();
    assert.deepEqual(other.keys, ["k"]);
    assert.equal(
      await (await fetch(`${node.url}/v1/kv/secret/k`)).text(),
      "top secret",
    );
  } finally {
    await node.kill();
    await Deno.remove(node.dataDir, { recursive: true });
  }
});

Deno.test("bad state manifests are refused with the field and line, and change nothing", async () => {
  const node = await startNode();
  try {
    const notes = await upload(node.url, "examples/notes/notes.wasm");
    const cases: [string, RegExp][] = [
      [
        `state: [{ bucket: "../up", mount: /s }]`,
        /functions\[0\]\.state\[0\]\.bucket \(line 4, column \d+\): invalid bucket name '\.\.\/up'/,
      ],
      [
        `state: [{ bucket: b, mount: s }]`,
        /state\[0\]\.mount \(line 4, column \d+\): 's' is not a mount path/,
      ],
      [
        `state: [{ bucket: b, mount: /s/../t }]`,
        /is not a mount path/,
      ],
      [
        `dirs: ["/tmp::/data"]\n    state: [{ bucket: b, mount: /data/s }]`,
        /state\[0\]\.mount \(line 5, column \d+\): '\/data\/s' clashes with functions\[0\]\.dirs\[0\]/,
      ],
      [
        `state: [{ bucket: a, mount: /s }, { bucket: b, mount: /s }]`,
        /state\[1\]\.mount .*clashes with functions\[0\]\.state\[0\]/,
      ],
      [
        `state: [{ bucket: b, mount: /s, readonly: true }]`,
        /unknown key 'readonly'; did you mean 'readOnly'\?/,
      ],
      [
        `state: [{ bucket: b, mount: /s, readOnly: "yes" }]`,
        /readOnly \(line 4, column \d+\): must be true or false/,
      ],
      [`state: [{ mount: /s }]`, /missing required key 'bucket'/],
    ];
    for (const [state, message] of cases) {
      const res = await apply(
        node.url,
        `functions:\n  - name: f\n    module: "${notes}"\n    ${state}\n`,
      );
      const body = await res.json();
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(body.error.code, "invalid_manifest");
      assert.match(body.error.message, message);
    }
    const list = await (await fetch(`${node.url}/v1/functions`)).json();
    assert.deepEqual(list.functions, []);
  } finally {
    await node.kill();
    await Deno.remove(node.dataDir, { recursive: true });
  }
});

Deno.test("operators read and write state over /v1/kv and with eddy kv", async () => {
  const node = await startNode({ flags: ["--token", "t0ken"] });
  const auth = { authorization: "Bearer t0ken" };
  const octets = { ...auth, "content-type": "application/octet-stream" };
  try {
    const url = `${node.url}/v1/kv/carts/alice`;
    assert.equal((await fetch(url)).status, 401);
    const put = await fetch(url, { method: "PUT", headers: octets, body: "2" });
    assert.equal(put.status, 200);
    const { revision } = await put.json();
    assert.equal(put.headers.get("etag"), `"${revision}"`);
    const got = await fetch(url, { headers: auth });
    assert.equal(got.headers.get("etag"), `"${revision}"`);
    assert.equal(await got.text(), "2");
    // Compare-and-swap on the revision: a stale one is 412 and changes nothing.
    const stale = await fetch(url, {
      method: "PUT",
      headers: { ...octets, "if-match": `"${Number(revision) + 100}"` },
      body: "9",
    });
    assert.equal(stale.status, 412);
    assert.equal((await stale.json()).error.code, "revision_mismatch");
    const swapped = await fetch(url, {
      method: "PUT",
      headers: { ...octets, "if-match": `"${revision}"` },
      body: "3",
    });
    assert.equal(swapped.status, 200);
    await swapped.body?.cancel();
    const exists = await fetch(url, {
      method: "PUT",
      headers: { ...octets, "if-none-match": "*" },
      body: "4",
    });
    assert.equal(exists.status, 412);
    await exists.body?.cancel();
    assert.equal(await (await fetch(url, { headers: auth })).text(), "3");
    const checks: [RequestInit & { path?: string }, number, string][] = [
      [
        {
          method: "PUT",
          headers: { ...auth, "content-type": "text/plain" },
          body: "x",
        },
        415,
        "unsupported_media_type",
      ],
      [
        { method: "PUT", headers: octets, body: new Uint8Array((1 << 20) + 1) },
        413,
        "value_too_large",
      ],
      [
        {
          method: "PUT",
          headers: { ...octets, "if-match": "soon" },
          body: "x",
        },
        400,
        "invalid_revision",
      ],
      [{ path: "/v1/kv/carts/.hidden" }, 400, "invalid_key"],
      [{ path: "/v1/kv/carts/nobody" }, 404, "key_not_found"],
      [{ path: "/v1/kv/..%2Fx/k" }, 400, "invalid_bucket"],
      [{ path: "/v1/kv/carts?limit=0" }, 400, "invalid_query"],
    ];
    for (const [init, status, code] of checks) {
      const res = await fetch(
        `${node.url}${init.path ?? "/v1/kv/carts/alice"}`,
        {
          headers: auth,
          ...init,
        },
      );
      const body = await res.json();
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(body.error.code, code);
    }
    assert.equal(await (await fetch(url, { headers: auth })).text(), "3");
    // Keys page in order.
    for (const k of ["b", "c", "d"]) {
      const res = await fetch(`${node.url}/v1/kv/carts/${k}`, {
        method: "PUT",
        headers: octets,
        body: k,
      });
      await res.body?.cancel();
    }
    const page1 =
      await (await fetch(`${node.url}/v1/kv/carts?limit=2`, { headers: auth }))
        .json();
    assert.deepEqual(page1, {
      bucket: "carts",
      keys: ["alice", "b"],
      next: "b",
    });
    const page2 =
      await (await fetch(`${node.url}/v1/kv/carts?limit=2&after=b`, {
        headers: auth,
      })).json();
    assert.deepEqual(page2, { bucket: "carts", keys: ["c", "d"] });
    // The CLI.
    const env = { EDDY_URL: node.url, EDDY_TOKEN: "t0ken" };
    const put2 = await cli(["kv", "put", "carts", "bob", "--data", "5 pears"], {
      env,
    });
    assert.equal(put2.code, 0, put2.stderr);
    const rev = put2.stdoutText.trim();
    const get2 = await cli(["kv", "get", "carts", "bob", "--revision"], {
      env,
    });
    assert.equal(get2.stdoutText, "5 pears");
    assert.equal(get2.stderr.trim(), rev);
    const conflict = await cli([
      "kv",
      "put",
      "carts",
      "bob",
      "--data",
      "x",
      "--if-match",
      `${Number(rev) + 1}`,
    ], { env });
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /no longer at revision/);
    const fromStdin = await cli(["kv", "put", "carts", "eve", "--create"], {
      env,
      stdin: enc.encode("bytes\0in"),
    });
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.deepEqual(
      [...(await cli(["kv", "get", "carts", "eve"], { env })).stdout],
      [...enc.encode("bytes\0in")],
    );
    assert.equal((await cli(["kv", "rm", "carts", "d"], { env })).code, 0);
    const ls = await cli(["kv", "ls", "carts"], { env });
    assert.equal(ls.stdoutText, "alice\nb\nbob\nc\neve\n");
    const missing = await cli(["kv", "get", "carts", "d"], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no key 'd' in bucket 'carts'/);
  } finally {
    await node.kill();
    await Deno.remove(node.dataDir, { recursive: true });
  }
});

Deno.test("a guest with state that runs past its deadline is stopped, before or after a write", async () => {
  const node = await startNode();
  try {
    const spin = (write: boolean) =>
      wat(`(module
        (import "eddy" "kv_put" (func $kv_put (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
        (memory (export "memory") 1)
        (data (i32.const 100) "bk")
        (func (export "_start")
          ${
        write
          ? "(drop (call $kv_put (i32.const 100) (i32.const 1) (i32.const 101) (i32.const 1) (i32.const 100) (i32.const 2) (i32.const 200)))"
          : ""
      }
          (loop $forever (br $forever))))`);
    const before = await upload(node.url, spin(false));
    const after = await upload(node.url, spin(true));
    await deploy(
      node.url,
      `functions:
  - { name: before, module: "${before}", state: [{ bucket: b, mount: /s }], limits: { timeout: 300ms } }
  - { name: after, module: "${after}", state: [{ bucket: b, mount: /s }], limits: { timeout: 300ms } }
`,
    );
    for (const fn of ["before", "after"]) {
      const started = Date.now();
      const run = await invoke(node.url, fn);
      assert.equal(run.status, 504, run.text);
      assert.ok(Date.now() - started < 5000);
    }
    assert.equal(await (await fetch(`${node.url}/v1/kv/b/k`)).text(), "bk");
  } finally {
    await node.kill();
    await Deno.remove(node.dataDir, { recursive: true });
  }
});

Deno.test("eddy deploy NAME MODULE --state mounts a bucket", async () => {
  const node = await startNode();
  try {
    const env = { EDDY_URL: node.url };
    const counter = join(REPO_ROOT, "examples/counter/counter.wasm");
    const deployed = await cli(
      ["deploy", "counter", counter, "--state", "counters::/counters"],
      { env },
    );
    assert.equal(deployed.code, 0, deployed.stderr);
    const first = await cli(["invoke", "counter"], { env });
    assert.equal(first.stdoutText, "1\n", first.stderr);
    assert.equal(
      (await cli(["kv", "get", "counters", "hits"], { env })).stdoutText,
      "1",
    );
    const ro = await cli(
      ["deploy", "counter", counter, "--state-ro", "counters::/counters"],
      { env },
    );
    assert.equal(ro.code, 0, ro.stderr);
    const refused = await cli(["invoke", "counter"], { env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /kv_cas failed \(status 7\)/);
    const bad = await cli(
      ["deploy", "counter", counter, "--state", "nomount"],
      {
        env,
      },
    );
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--state wants BUCKET::MOUNT; got 'nomount'/);
    const invalid = await cli(
      ["deploy", "counter", counter, "--state", "b::relative"],
      { env },
    );
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /'relative' is not a mount path/);
  } finally {
    await node.kill();
    await Deno.remove(node.dataDir, { recursive: true });
  }
});

Deno.test("guests killed at their deadline while writing never leave the store locked", async () => {
  const node = await startNode({ flags: ["--workers", "2"] });
  try {
    // Writes in a loop until its deadline stops it (its worker is replaced).
    const hammer = await upload(
      node.url,
      wat(`(module
        (import "eddy" "kv_put" (func $kv_put (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
        (import "eddy" "kv_cas" (func $kv_cas (param i32 i32 i32 i32 i32 i32 i64 i32) (result i32)))
        (memory (export "memory") 1)
        (data (i32.const 100) "bk")
        (func (export "_start")
          (loop $forever
            (drop (call $kv_put (i32.const 100) (i32.const 1) (i32.const 101) (i32.const 1)
              (i32.const 100) (i32.const 2) (i32.const 200)))
            (drop (call $kv_cas (i32.const 100) (i32.const 1) (i32.const 101) (i32.const 1)
              (i32.const 100) (i32.const 2) (i64.load (i32.const 200)) (i32.const 200)))
            (br $forever))))`),
    );
    await deploy(
      node.url,
      `functions:
  - { name: hammer, module: "${hammer}", state: [{ bucket: b, mount: /s }], limits: { timeout: 150ms } }
`,
    );
    for (let round = 0; round < 12; round++) {
      const runs = await Promise.all([
        invoke(node.url, "hammer"),
        invoke(node.url, "hammer"),
      ]);
      for (const run of runs) assert.equal(run.status, 504, run.text);
      const started = Date.now();
      const res = await fetch(`${node.url}/v1/kv/b/after`, {
        method: "PUT",
        headers: { "content-type": "application/octet-stream" },
        body: `${round}`,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.ok(Date.now() - started < 3000, `round ${round}: a write waited`);
    }
    // Stopped means stopped: nothing writes once the invocations answered.
    const etag = async () =>
      (await fetch(`${node.url}/v1/kv/b/k`)).headers.get("etag");
    // (A write already under way when the deadline passed may still land.)
    await new Promise((r) => setTimeout(r, 300));
    const first = await etag();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await etag(), first);
  } finally {
    await node.kill();
    await Deno.remove(node.dataDir, { recursive: true });
  }
});
