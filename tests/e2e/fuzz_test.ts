/**
 * Seeded fuzzing of the management API through a real node: thousands of
 * mutated modules and manifests, each answered with a typed refusal or a
 * success, never a 5xx, and the node serves what it served before.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { REPO_ROOT, startNode } from "../_helpers/node_process.ts";
import { mulberry32, type Prng } from "../_helpers/prng.ts";
import { tempDir } from "../_helpers/temp.ts";

const SEED = 0x8edd1;
const MODULES = 3000;
const MANIFESTS = 3000;
/** Requests in flight at once, each lane on its own keep-alive connection. */
const LANES = 4;
/** The fuzz stops sending at this point even if cases remain. */
const BUDGET_MS = 40_000;

const base = await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm"));

/** Sections of a module: where each one's size (LEB128) starts and ends. */
function sectionSizes(bytes: Uint8Array): { at: number; end: number }[] {
  const sizes = [];
  for (let offset = 8; offset < bytes.length;) {
    let size = 0, shift = 0, at = offset + 1;
    for (;;) {
      const byte = bytes[at++];
      size |= (byte & 0x7f) << shift;
      shift += 7;
      if (!(byte & 0x80)) break;
    }
    sizes.push({ at: offset + 1, end: at });
    offset = at + size;
  }
  return sizes;
}

function leb128(value: number): number[] {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}

const SECTIONS = sectionSizes(base);

function mutateModule(rng: Prng): Uint8Array<ArrayBuffer> {
  const bytes = base.slice();
  switch (rng.int(5)) {
    case 0: { // bit flips
      for (let i = 0, n = 1 + rng.int(8); i < n; i++) {
        bytes[rng.int(bytes.length)] ^= 1 << rng.int(8);
      }
      return bytes;
    }
    case 1: // truncation
      return bytes.slice(0, rng.int(bytes.length));
    case 2: { // a section's size rewritten
      const { at, end } = rng.pick(SECTIONS);
      const size = rng.pick([
        0,
        1,
        0x7f,
        0x80,
        0xffff,
        0xffffffff,
        rng.int(
          bytes.length * 2,
        ),
      ]);
      return new Uint8Array([
        ...bytes.subarray(0, at),
        ...leb128(size),
        ...bytes.subarray(end),
      ]);
    }
    case 3: { // bytes inserted
      const at = rng.int(bytes.length);
      const inserted = Array.from(
        { length: 1 + rng.int(16) },
        () => rng.int(256),
      );
      return new Uint8Array([
        ...bytes.subarray(0, at),
        ...inserted,
        ...bytes.subarray(at),
      ]);
    }
    default: { // bytes inside one section overwritten
      const { end } = rng.pick(SECTIONS);
      for (let i = 0, n = 1 + rng.int(4); i < n; i++) {
        const at = Math.min(bytes.length - 1, end + rng.int(32));
        bytes[at] = rng.pick([0x00, 0x7f, 0x80, 0xff, rng.int(256)]);
      }
      return bytes;
    }
  }
}

function randomText(rng: Prng): string {
  switch (rng.int(5)) {
    case 0:
      return "x".repeat(rng.pick([64, 65, 4096, 100_000]));
    case 1: // code points from every plane, lone surrogates included
      return String.fromCodePoint(
        ...Array.from({ length: 1 + rng.int(12) }, () => rng.int(0x110000)),
      );
    case 2:
      return rng.pick(["", " ", "\0", "../../etc", "/", "🦀", "\u202e", "~"]);
    case 3:
      return `${rng.pick(["1", "-1", "0x10", "1e400", "NaN", "9".repeat(40)])}${
        rng.pick(["", "B", "KiB", "MiB", "GiB", "s", "ms", "m", "h"])
      }`;
    default:
      return `sha256:${"f".repeat(rng.int(70))}`;
  }
}

function randomValue(rng: Prng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 6 : 8)) {
    case 0:
      return rng.pick([
        0,
        -1,
        1.5,
        2 ** 53 + 1,
        2 ** 64,
        1e308,
        -1e308,
        Number.MAX_SAFE_INTEGER,
      ]);
    case 1:
      return rng.pick([true, false, null]);
    case 2:
    case 3:
    case 4:
    case 5:
      return randomText(rng);
    case 6:
      return Array.from(
        { length: rng.int(4) },
        () => randomValue(rng, depth + 1),
      );
    default:
      return Object.fromEntries(
        Array.from(
          { length: rng.int(4) },
          () => [randomText(rng).slice(0, 20), randomValue(rng, depth + 1)],
        ),
      );
  }
}

/** Every map and list inside `value`, with a way to change each. */
function containers(value: unknown): (Record<string, unknown> | unknown[])[] {
  if (value === null || typeof value !== "object") return [];
  const own = value as Record<string, unknown> | unknown[];
  return [own, ...Object.values(own).flatMap(containers)];
}

function mutateManifest(rng: Prng, manifest: unknown): string {
  const doc = structuredClone(manifest);
  for (let i = 0, n = 1 + rng.int(3); i < n; i++) {
    const target = rng.pick(containers(doc));
    const keys = Object.keys(target);
    const key = keys.length ? rng.pick(keys) : "0";
    const record = target as Record<string, unknown>;
    switch (rng.int(4)) {
      case 0:
        if (Array.isArray(target)) target.splice(Number(key), 1);
        else delete record[key];
        break;
      case 1:
        record[key] = randomValue(rng);
        break;
      case 2:
        record[rng.pick([key, randomText(rng).slice(0, 30)])] = randomValue(
          rng,
        );
        break;
      default: // nested deeper than any manifest is
      {
        const depth = 50 + rng.int(200);
        record[key] = JSON.parse("[".repeat(depth) + "]".repeat(depth));
      }
    }
  }
  const text = rng.int(4) === 0
    ? JSON.stringify(doc)
    : stringify(doc, { lineWidth: 0 });
  return mutateText(rng, text);
}

/** YAML-level damage: duplicated, dropped and cut lines, stray characters. */
function mutateText(rng: Prng, text: string): string {
  const lines = text.split("\n");
  switch (rng.int(5)) {
    case 0: { // a duplicate key
      const i = rng.int(lines.length);
      lines.splice(i, 0, lines[i]);
      return lines.join("\n");
    }
    case 1:
      lines.splice(rng.int(lines.length), 1);
      return lines.join("\n");
    case 2: {
      const at = rng.int(text.length);
      return text.slice(0, at) +
        rng.pick([
          "\t",
          ":",
          "- ",
          "&a",
          "*a",
          "!!binary",
          "{",
          "[",
          "'",
          "\n  ",
        ]) +
        text.slice(at);
    }
    case 3:
      return text.slice(0, rng.int(text.length));
    default:
      return text;
  }
}

Deno.test("fuzzed modules and manifests get typed refusals, never a 5xx, and the node carries on", async () => {
  await using node = await startNode({ flags: ["--workers", "1"] });
  const mount = await tempDir({ prefix: "eddy-fuzz-" });
  try {
    const put = await fetch(`${node.url}/v1/functions/before`, {
      method: "PUT",
      headers: { "content-type": "application/wasm" },
      body: base,
    });
    assert.equal(put.status, 201);
    const digest = (await put.json()).module;
    const manifest = parse(`
functions:
  - name: fz
    module: "${digest}"
    args: [a, "two words"]
    env: { KEY: value }
    dirs:
      - ${mount}::/ro
      - { host: ${mount}, guest: /data, writable: true }
    limits: { memory: 16MiB, timeout: 2s, maxInput: 1MiB, maxOutput: 1MiB }
    labels: { tier: edge }
`);

    const rng = mulberry32(SEED);
    type Case = { method: string; path: string; type: string; body: BodyInit };
    const cases: Case[] = [];
    for (let i = 0; i < MODULES; i++) {
      cases.push(
        i % 4 === 0
          ? {
            method: "PUT",
            path: `/v1/functions/fz-${i % 8}`,
            type: "application/wasm",
            body: mutateModule(rng),
          }
          : {
            method: "PUT",
            path: "/v1/modules",
            type: "application/octet-stream",
            body: mutateModule(rng),
          },
      );
    }
    for (let i = 0; i < MANIFESTS; i++) {
      cases.push({
        method: "POST",
        path: "/v1/manifests",
        type: rng.pick(["application/yaml", "application/json", "text/yaml"]),
        body: mutateManifest(rng, manifest),
      });
    }
    // Interleave modules and manifests, the same way every run.
    for (let i = cases.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [cases[i], cases[j]] = [cases[j], cases[i]];
    }

    const started = Date.now();
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let sent = 0;
    const lane = async (client: Deno.HttpClient) => {
      while (sent < cases.length && Date.now() - started < BUDGET_MS) {
        const index = sent++;
        const c = cases[index];
        const res = await fetch(`${node.url}${c.path}`, {
          method: c.method,
          headers: { "content-type": c.type },
          body: c.body,
          client,
        });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) {
          failures.push(
            `case ${index} ${c.path}: ${res.status} ${text.slice(0, 300)}`,
          );
        } else if (!res.ok) {
          let code: unknown;
          try {
            code = JSON.parse(text).error?.code;
          } catch { /* reported below */ }
          if (typeof code !== "string") {
            failures.push(
              `case ${index}: ${res.status} without a code: ${
                text.slice(0, 200)
              }`,
            );
          }
        }
      }
    };
    const clients = Array.from(
      { length: LANES },
      () => Deno.createHttpClient({}),
    );
    try {
      await Promise.all(clients.map(lane));
    } finally {
      clients.forEach((client) => client.close());
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `fuzz: ${sent} of ${cases.length} cases in ${
        seconds.toFixed(1)
      } s, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    assert.deepEqual(failures, []);
    assert.ok(sent >= cases.length / 2, `only ${sent} cases in the budget`);

    const health = await fetch(`${node.url}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
    const input = crypto.getRandomValues(new Uint8Array(4096));
    const res = await fetch(`${node.url}/invoke/before`, {
      method: "POST",
      body: input,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), input);
  } finally {
    await Deno.remove(mount, { recursive: true });
  }
});
