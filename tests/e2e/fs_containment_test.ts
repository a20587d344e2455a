/**
 * File-system containment under attack, against a real `cli.ts serve` node
 * and real guests (WAT): the swap race between two concurrent invocations,
 * symlink planting, and the existence oracle. Each counts what got through;
 * the answer must be 0.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { until } from "../_helpers/data.ts";
import { startNode } from "../_helpers/node_process.ts";
import { wat } from "../_helpers/wat.ts";
import { tempDir } from "../_helpers/temp.ts";

/** How long the race runs: long enough for thousands of attempts. */
const RACE_NS = 6_000_000_000n;
const SECRET = "TOP-SECRET-OUTSIDE-THE-MOUNT";
const CLI = fileURLToPath(new URL("../../cli.ts", import.meta.url));

const IMPORTS = `
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename" (func $rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink" (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $now (result i64)
    (drop (call $clock (i32.const 1) (i64.const 1) (i32.const 120)))
    (i64.load (i32.const 120)))
  ;; writes [ptr, ptr+len) to stdout
  (func $out (param $ptr i32) (param $len i32)
    (i32.store (i32.const 100) (local.get $ptr))
    (i32.store (i32.const 104) (local.get $len))
    (drop (call $write (i32.const 1) (i32.const 100) (i32.const 1) (i32.const 108))))`;

/** Strings placed at fixed offsets in a guest's data. */
function strings(list: Record<number, string>): string {
  return Object.entries(list).map(([at, text]) =>
    `(data (i32.const ${at}) "${text}")`
  ).join("\n");
}

/**
 * Swaps /data/d between the real directory `dir` and the symlink `evil`
 * (to outside the mount, planted by the operator) until RACE_NS passes;
 * writes its swap count (u32).
 */
const SWAPPER = wat(`(module ${IMPORTS}
  ${strings({ 0: "dir", 8: "d", 16: "evil" })}
  (func (export "_start") (local $end i64) (local $n i32)
    (local.set $end (i64.add (call $now) (i64.const ${RACE_NS})))
    (block $done (loop $again
      (br_if $done (i64.ge_u (call $now) (local.get $end)))
      (drop (call $rename (i32.const 3) (i32.const 0) (i32.const 3) (i32.const 3) (i32.const 8) (i32.const 1)))
      (drop (call $rename (i32.const 3) (i32.const 8) (i32.const 1) (i32.const 3) (i32.const 0) (i32.const 3)))
      (drop (call $rename (i32.const 3) (i32.const 16) (i32.const 4) (i32.const 3) (i32.const 8) (i32.const 1)))
      (drop (call $rename (i32.const 3) (i32.const 8) (i32.const 1) (i32.const 3) (i32.const 16) (i32.const 4)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $again)))
    (i32.store (i32.const 200) (local.get $n))
    (call $out (i32.const 200) (i32.const 4))))`);

/**
 * Until RACE_NS passes: opens d/secret and reads it, creates d/newfile
 * (and unlinks it). Writes u32s: attempts, secret opens, secret bytes
 * read, files created.
 */
const PROBE = wat(`(module ${IMPORTS}
  ${strings({ 32: "d/secret", 48: "d/newfile" })}
  (func (export "_start") (local $end i64) (local $fd i32)
    (local.set $end (i64.add (call $now) (i64.const ${RACE_NS})))
    (block $done (loop $again
      (br_if $done (i64.ge_u (call $now) (local.get $end)))
      (i32.store (i32.const 200) (i32.add (i32.load (i32.const 200)) (i32.const 1)))
      ;; open d/secret for reading (FD_READ), following links
      (if (i32.eqz (call $open (i32.const 3) (i32.const 1) (i32.const 32) (i32.const 8)
            (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 112)))
        (then
          (i32.store (i32.const 204) (i32.add (i32.load (i32.const 204)) (i32.const 1)))
          (local.set $fd (i32.load (i32.const 112)))
          (i32.store (i32.const 128) (i32.const 1024))
          (i32.store (i32.const 132) (i32.const 256))
          (drop (call $read (local.get $fd) (i32.const 128) (i32.const 1) (i32.const 136)))
          (i32.store (i32.const 208) (i32.add (i32.load (i32.const 208)) (i32.load (i32.const 136))))
          (drop (call $close (local.get $fd)))))
      ;; create d/newfile (O_CREAT, FD_WRITE)
      (if (i32.eqz (call $open (i32.const 3) (i32.const 1) (i32.const 48) (i32.const 9)
            (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 112)))
        (then
          (i32.store (i32.const 212) (i32.add (i32.load (i32.const 212)) (i32.const 1)))
          (drop (call $close (i32.load (i32.const 112))))
          (drop (call $unlink (i32.const 3) (i32.const 48) (i32.const 9)))))
      (br $again)))
    (call $out (i32.const 200) (i32.const 16))))`);

/** One WASI call of a {@link callsGuest}: its import and its arguments. */
interface Call {
  fn: "symlink" | "stat" | "open" | "mkdir";
  /** Path strings the call takes (symlink: target, link). */
  paths: string[];
}

/**
 * A guest that makes `calls` against fd 3 in order and writes their
 * errnos (u32 each) to stdout.
 */
function callsGuest(calls: Call[]): Uint8Array<ArrayBuffer> {
  const data: Record<number, string> = {};
  let at = 4096;
  const place = (text: string) => {
    data[at] = text;
    const ptr = at;
    at += new TextEncoder().encode(text).length + 8;
    return `(i32.const ${ptr}) (i32.const ${
      new TextEncoder().encode(text).length
    })`;
  };
  const body = calls.map((call, i) => {
    const p = call.paths.map(place);
    const invoke = {
      symlink: `(call $symlink ${p[0]} (i32.const 3) ${p[1]})`,
      stat: `(call $stat (i32.const 3) (i32.const 1) ${p[0]} (i32.const 512))`,
      open: `(call $open (i32.const 3) (i32.const 1) ${
        p[0]
      } (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 112))`,
      mkdir: `(call $mkdir (i32.const 3) ${p[0]})`,
    }[call.fn];
    return `(i32.store (i32.const ${1024 + 4 * i}) ${invoke})`;
  }).join("\n");
  return wat(`(module ${IMPORTS}
    ${strings(data)}
    (func (export "_start")
      ${body}
      (call $out (i32.const 1024) (i32.const ${4 * calls.length}))))`);
}

function u32s(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from(
    { length: bytes.byteLength / 4 },
    (_, i) => view.getUint32(4 * i, true),
  );
}

/** Every file and link under `dir`, as paths relative to it. */
function walk(dir: string, prefix = ""): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(join(dir, prefix))) {
    const rel = join(prefix, entry.name);
    found.push(rel);
    if (entry.isDirectory) found.push(...walk(dir, rel));
  }
  return found;
}

interface Sandbox {
  base: string;
  /** The mount. */
  root: string;
  /** Beside the mount: what no guest may see or change. */
  outside: string;
  [Symbol.asyncDispose](): Promise<void>;
}

async function sandbox(): Promise<Sandbox> {
  const base = await Deno.realPath(
    await tempDir({ prefix: "eddy_contain_" }),
  );
  const root = join(base, "root"), outside = join(base, "outside");
  await Deno.mkdir(root);
  await Deno.mkdir(join(outside, "empty"), { recursive: true });
  await Deno.writeTextFile(join(outside, "secret"), SECRET);
  return {
    base,
    root,
    outside,
    [Symbol.asyncDispose]: () => Deno.remove(base, { recursive: true }),
  };
}

async function putModule(url: string, bytes: Uint8Array<ArrayBuffer>) {
  const res = await fetch(`${url}/v1/modules`, {
    method: "PUT",
    body: bytes,
    headers: { "content-type": "application/wasm" },
  });
  assert.equal(res.status, 201);
  return (await res.json()).digest as string;
}

function apply(url: string, yaml: string): Promise<Response> {
  return fetch(`${url}/v1/manifests`, {
    method: "POST",
    body: yaml,
    headers: { "content-type": "application/yaml" },
  });
}

async function invoke(url: string, name: string): Promise<Uint8Array> {
  const res = await fetch(`${url}/invoke/${name}`, { method: "POST" });
  const body = new Uint8Array(await res.arrayBuffer());
  assert.equal(res.status, 200, new TextDecoder().decode(body));
  return body;
}

Deno.test("the swap race: two concurrent invocations, 0 secret reads, 0 files outside", async () => {
  await using box = await sandbox();
  await Deno.mkdir(join(box.root, "dir"));
  await Deno.symlink(box.outside, join(box.root, "evil"));
  await using node = await startNode({ flags: ["--workers", "2"] });
  const swapper = await putModule(node.url, SWAPPER);
  const probe = await putModule(node.url, PROBE);
  const mount = `[{host: "${box.root}", guest: /data, writable: true}]`;
  const applied = await apply(
    node.url,
    `functions:
  - {name: swap, module: "${swapper}", dirs: ${mount}, limits: {timeout: 60s}}
  - {name: probe, module: "${probe}", dirs: ${mount}, limits: {timeout: 60s}}
`,
  );
  assert.equal(applied.status, 200, await applied.text());

  const [swaps, counts] = await Promise.all([
    invoke(node.url, "swap"),
    invoke(node.url, "probe"),
  ]);
  const [attempts, secretOpens, secretBytes, created] = u32s(counts);
  const [swapCount] = u32s(swaps);
  console.log(
    `swaps ${swapCount}, probe attempts ${attempts}, secret opens ${secretOpens}, ` +
      `secret bytes ${secretBytes}, creates (inside) ${created}`,
  );
  assert.ok(swapCount >= 1000, `the swapper ran only ${swapCount} rounds`);
  assert.ok(attempts >= 1000, `the probe ran only ${attempts} rounds`);
  assert.equal(secretOpens, 0, "the guest opened the secret outside");
  assert.equal(secretBytes, 0, "the guest read the secret outside");
  assert.deepEqual(walk(box.outside).sort(), ["empty", "secret"]);
  assert.equal(await Deno.readTextFile(join(box.outside, "secret")), SECRET);
});

Deno.test("symlink planting: no guest-made link points outside the mount on the host", async () => {
  await using box = await sandbox();
  await Deno.mkdir(join(box.root, "sub"));
  await using node = await startNode({ flags: ["--workers", "1"] });
  const plants: [string, string][] = [
    [".", "l"],
    ["l/l/../../../etc/passwd", "esc"],
    ["l/l/l/../../..", "esc2"],
    ["/etc/passwd", "abs"],
    [box.outside, "abs2"],
    ["../outside/secret", "up"],
    ["sub/../..", "up2"],
    ["../..", "sub/up3"],
    ["l/sub", "fine"],
  ];
  const guest = await putModule(
    node.url,
    callsGuest(plants.map((paths) => ({ fn: "symlink", paths }))),
  );
  const applied = await apply(
    node.url,
    `functions:
  - {name: plant, module: "${guest}", dirs: [{host: "${box.root}", guest: /, writable: true}]}
`,
  );
  assert.equal(applied.status, 200, await applied.text());
  const errnos = u32s(await invoke(node.url, "plant"));
  // "l" and "fine" stay inside; every other target is refused (ENOTCAPABLE).
  assert.deepEqual(errnos, [0, 76, 76, 76, 76, 76, 76, 76, 0]);
  let links = 0;
  for (const rel of walk(box.root)) {
    const path = join(box.root, rel);
    if (!Deno.lstatSync(path).isSymlink) continue;
    links++;
    const target = Deno.readLinkSync(path);
    assert.ok(!target.startsWith("/"), `${rel} -> ${target}`);
    assert.ok(!target.split("/").includes(".."), `${rel} -> ${target}`);
    const real = Deno.realPathSync(path);
    assert.ok(
      real === box.root || real.startsWith(`${box.root}/`),
      `${rel} resolves to ${real} on the host`,
    );
  }
  assert.equal(links, 2);
});

Deno.test("the existence oracle: outside paths that exist and that do not answer alike", async () => {
  await using box = await sandbox();
  // An operator's link out of the mount: the guest may not follow it.
  await Deno.symlink("../outside", join(box.root, "out"));
  await Deno.symlink(box.outside, join(box.root, "absout"));
  await using node = await startNode({ flags: ["--workers", "1"] });
  const probes = (name: string): Call[] => [
    { fn: "symlink", paths: [`../outside/${name}/x`, `p_${name}`] },
    { fn: "symlink", paths: [`${box.outside}/${name}`, `q_${name}`] },
    { fn: "stat", paths: [`out/${name}`] },
    { fn: "stat", paths: [`absout/${name}`] },
    { fn: "stat", paths: [`../outside/${name}`] },
    { fn: "open", paths: [`out/${name}/x`] },
    { fn: "open", paths: [`absout/${name}`] },
    { fn: "mkdir", paths: [`out/${name}/new`] },
    { fn: "mkdir", paths: [`../outside/${name}/new`] },
  ];
  const guest = await putModule(
    node.url,
    callsGuest([...probes("empty"), ...probes("missing")]),
  );
  const applied = await apply(
    node.url,
    `functions:
  - {name: oracle, module: "${guest}", dirs: [{host: "${box.root}", guest: /, writable: true}]}
`,
  );
  assert.equal(applied.status, 200, await applied.text());
  const errnos = u32s(await invoke(node.url, "oracle"));
  const half = errnos.length / 2;
  assert.deepEqual(errnos.slice(0, half), errnos.slice(half));
  assert.ok(errnos.every((e) => e === 76), `${errnos}`);
  assert.deepEqual(walk(box.outside).sort(), ["empty", "secret"]);
});

/** Opens "." 500 times (no closes), then spins until its deadline ends it. */
const HOARDER = wat(`(module ${IMPORTS}
  (data (i32.const 0) ".")
  (func (export "_start") (local $i i32)
    (loop $open
      (drop (call $open (i32.const 3) (i32.const 1) (i32.const 0) (i32.const 1)
        (i32.const 2) (i64.const 16384) (i64.const 0) (i32.const 0) (i32.const 112)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $open (i32.lt_u (local.get $i) (i32.const 500))))
    (loop $spin (br $spin))))`);

function openFds(pid: number): number {
  return [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
}

Deno.test("host fds of a guest killed at its deadline are closed with its worker", async () => {
  await using box = await sandbox();
  await using node = await startNode({ flags: ["--workers", "1"] });
  const guest = await putModule(node.url, HOARDER);
  const applied = await apply(
    node.url,
    `functions:
  - {name: hoard, module: "${guest}", dirs: ["${box.root}::/data"], limits: {timeout: 500ms}}
`,
  );
  assert.equal(applied.status, 200, await applied.text());
  const pid = node.process.pid;
  const before = openFds(pid);
  let peak = 0;
  for (let i = 0; i < 3; i++) {
    // Sample the node's fds while the guest spins holding its 500.
    const sampler = setInterval(
      () => peak = Math.max(peak, openFds(pid)),
      25,
    );
    const res = await fetch(`${node.url}/invoke/hoard`, { method: "POST" });
    clearInterval(sampler);
    await res.body?.cancel();
    assert.equal(res.status, 504);
  }
  await until(
    "the hoarded fds are closed",
    () => Promise.resolve(openFds(pid) < before + 100),
  );
  assert.ok(peak >= before + 400, `the guest held only ${peak - before} fds`);
});

Deno.test("a mount whose host directory is missing or a file is refused at deploy with 400", async () => {
  await using box = await sandbox();
  await using node = await startNode({ flags: ["--workers", "1"] });
  const guest = await putModule(node.url, callsGuest([]));
  for (
    const [host, problem] of [
      [join(box.base, "nope"), /does not exist/],
      [join(box.outside, "secret"), /is not a directory/],
    ] as const
  ) {
    const res = await apply(
      node.url,
      `functions:\n  - {name: m, module: "${guest}", dirs: ["${host}::/x"]}\n`,
    );
    const text = await res.text();
    assert.equal(res.status, 400, text);
    assert.match(text, problem);
    assert.match(text, /dirs\[0\]\.host/);
  }
  const ls = await (await fetch(`${node.url}/v1/functions`)).json();
  assert.equal(JSON.stringify(ls).includes('"m"'), false);
});

/** `cli.ts serve` with every permission but FFI: mounts cannot be confined. */
function serveWithoutFfi(dataDir: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-sys",
      "--allow-read",
      "--allow-write",
      CLI,
      "serve",
      "--port",
      "0",
      "--workers",
      "1",
      "--data-dir",
      dataDir,
    ],
    cwd: fileURLToPath(new URL("../../", import.meta.url)),
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

Deno.test("without FFI a node refuses mounts: deploys get 400, a data dir with mounts does not start", async () => {
  await using box = await sandbox();
  const dataDir = join(box.base, "data");
  // Deployed by a node that can confine...
  {
    await using node = await startNode({ dataDir, flags: ["--workers", "1"] });
    const guest = await putModule(node.url, callsGuest([]));
    const applied = await apply(
      node.url,
      `functions:\n  - {name: m, module: "${guest}", dirs: ["${box.root}::/x"]}\n`,
    );
    assert.equal(applied.status, 200, await applied.text());
    await node.stop();
  }
  // ...then started without FFI permission: refused, with the reason.
  const refused = await serveWithoutFfi(dataDir).output();
  const stderr = new TextDecoder().decode(refused.stderr);
  assert.notEqual(refused.code, 0);
  assert.match(stderr, /functions with mounts \(m\) cannot run here/);
  assert.match(stderr, /--allow-ffi/);

  // A fresh node without FFI serves, and refuses a deploy with a mount.
  const fresh = serveWithoutFfi(join(box.base, "fresh"));
  try {
    const reader = fresh.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let seen = "";
    while (!/listening on (http:\/\/\S+)/.test(seen)) {
      const { done, value } = await reader.read();
      assert.ok(!done, `the node exited: ${seen}`);
      seen += value;
    }
    reader.releaseLock();
    const url = /listening on (http:\/\/\S+)/.exec(seen)![1];
    const guest = await putModule(url, callsGuest([]));
    const res = await apply(
      url,
      `functions:\n  - {name: m, module: "${guest}", dirs: ["${box.root}::/x"]}\n`,
    );
    const text = await res.text();
    assert.equal(res.status, 400, text);
    assert.match(text, /kernel-enforced confinement/);
  } finally {
    fresh.kill("SIGKILL");
    await fresh.status;
    await fresh.stdout.cancel().catch(() => {});
    await fresh.stderr.cancel();
  }
});
