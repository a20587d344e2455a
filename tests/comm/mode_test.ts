import assert from "node:assert/strict";
import {
  chooseMode,
  defaultHostId,
  forcedModeProblem,
  isMode,
  type Locality,
  type Mode,
} from "../../comm/mod.ts";

const a1: Locality = { nodeId: "a", hostId: "h1", zone: "z1", region: "r1" };
const b1: Locality = { nodeId: "b", hostId: "h1", zone: "z1", region: "r1" };
const c2: Locality = { nodeId: "c", hostId: "h2", zone: "z1", region: "r1" };
const d3: Locality = { nodeId: "d", hostId: "h3", zone: "z9", region: "r9" };

Deno.test("chooseMode: same node memory, same host unix, else http2", () => {
  const table: [Locality, Locality, Mode][] = [
    [a1, a1, "memory"],
    [a1, { ...a1, zone: "other" }, "memory"],
    [a1, b1, "unix"],
    [b1, a1, "unix"],
    [a1, c2, "http2"],
    [a1, d3, "http2"],
    // Zone and region never make two hosts one.
    [a1, { nodeId: "e", hostId: "h2", zone: "z1", region: "r1" }, "http2"],
  ];
  for (const [from, to, mode] of table) {
    assert.equal(chooseMode(from, to), mode, `${from.nodeId} → ${to.nodeId}`);
  }
});

Deno.test("forcedModeProblem: memory needs one node, unix one host", () => {
  const table: [Mode, Locality, Locality, RegExp | undefined][] = [
    ["memory", a1, a1, undefined],
    ["memory", a1, b1, /one node .* a and b are different nodes/],
    ["memory", a1, c2, /one node/],
    ["unix", a1, a1, undefined],
    ["unix", a1, b1, undefined],
    ["unix", a1, c2, /one host, but a is on h1 and c on h2/],
    ["http2", a1, a1, undefined],
    ["http2", a1, b1, undefined],
    ["http2", a1, d3, undefined],
  ];
  for (const [mode, from, to, problem] of table) {
    const got = forcedModeProblem(mode, from, to);
    const label = `${mode} ${from.nodeId} → ${to.nodeId}`;
    if (problem) assert.match(got ?? "", problem, label);
    else assert.equal(got, undefined, label);
  }
});

Deno.test("the chosen mode is never one forcedModeProblem refuses", () => {
  for (const from of [a1, b1, c2, d3]) {
    for (const to of [a1, b1, c2, d3]) {
      assert.equal(
        forcedModeProblem(chooseMode(from, to), from, to),
        undefined,
      );
    }
  }
});

Deno.test("isMode names exactly the three modes", () => {
  assert.deepEqual(
    ["memory", "unix", "http2", "tcp", "", "Memory"].map(isMode),
    [true, true, true, false, false, false],
  );
});

Deno.test("defaultHostId is stable and non-empty", () => {
  const id = defaultHostId();
  assert.ok(id.length > 0);
  assert.equal(defaultHostId(), id);
});
