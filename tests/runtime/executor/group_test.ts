import assert from "node:assert/strict";
import {
  ExecutorPool,
  type FollowerStage,
  type JobSpec,
  type JobStage,
} from "../../../runtime/executor/mod.ts";
import type { CompiledModule } from "../../../runtime/module/mod.ts";
import { compiledAsNode } from "../../_helpers/compiled.ts";
import { MemoryBudget } from "../../../runtime/memory_budget.ts";
import { caller, longSpin, spinner } from "../../_helpers/guests.ts";
import { randomBytes } from "../../_helpers/data.ts";

const example = async (name: string) =>
  await compiledAsNode(
    await Deno.readFile(`examples/${name}/${name}.wasm`),
    1024,
  );
const ECHO = await example("echo");
const UPPER = await example("uppercase");
const FAIL = await example("fail");
const SPIN = await compiledAsNode(spinner(), 1024);
const CALLER = await compiledAsNode(caller("target"), 1024);

const spec = (
  fn: string,
  timeoutMs = 10_000,
  args: string[] = [],
): JobSpec => ({
  fn,
  args: [fn, ...args],
  env: {},
  preopens: [],
  timeoutMs,
  maxMemoryBytes: 64 << 20,
  maxOutputBytes: 64 << 20,
});
const stage = (compiled: CompiledModule, s: JobSpec): JobStage => ({
  compiled,
  moduleKey: s.fn,
  spec: s,
});
const follower = (
  compiled: CompiledModule,
  s: JobSpec,
  maxInputBytes = 64 << 20,
): FollowerStage => ({ ...stage(compiled, s), maxInputBytes });
const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const upper = (bytes: Uint8Array) =>
  bytes.map((b) => b >= 97 && b <= 122 ? b - 32 : b);

Deno.test("a pair runs its second function on the first's output, in one job", async () => {
  const pool = new ExecutorPool({ workers: 2 });
  try {
    // Frozen specs: the pair is a template and travels in the ring.
    const lead = stage(ECHO, Object.freeze(spec("echo")));
    const then = follower(UPPER, Object.freeze(spec("uppercase")));
    const results = await Promise.all(
      Array.from(
        { length: 40 },
        (_, i) => pool.runGroup(lead, [then], text(`pair ${i}`)),
      ),
    );
    results.forEach((r, i) => {
      assert.equal(r.failure, undefined);
      assert.equal(decode(r.stdout), `PAIR ${i}`);
      assert.equal(r.stage, 1);
      assert.equal(r.earlier?.[0].outputBytes, `pair ${i}`.length);
      assert.ok(r.earlier![0].durationMs > 0);
    });
    assert.equal(pool.stats().running, 0);
  } finally {
    await pool.close();
  }
});

Deno.test("large inputs and outputs of a pair come back exact, by message", async () => {
  const pool = new ExecutorPool({ workers: 2 });
  try {
    // Not frozen: each pair carries its specs by message.
    const inputs = [16 << 10, 64 << 10, 1 << 20, 3 << 20].map((n) =>
      randomBytes(n)
    );
    const results = await Promise.all(
      inputs.map((input) =>
        pool.runGroup(
          stage(ECHO, spec("echo")),
          [follower(UPPER, spec("uppercase"))],
          input.slice(),
        )
      ),
    );
    results.forEach((r, i) => {
      assert.equal(r.failure, undefined, r.failure?.message);
      assert.equal(r.earlier?.[0].outputBytes, inputs[i].byteLength);
      assert.deepEqual(r.stdout, upper(inputs[i]));
    });
  } finally {
    await pool.close();
  }
});

Deno.test("a first stage that fails ends the pair with its own failure", async () => {
  const pool = new ExecutorPool({ workers: 1 });
  try {
    const result = await pool.runGroup(
      stage(FAIL, spec("fail", 10_000, ["3"])),
      [follower(UPPER, spec("uppercase"))],
      text("x"),
    );
    assert.equal(result.failure?.reason, "exit");
    assert.equal(result.exitCode, 3);
    assert.match(result.stderr, /something went wrong/);
    assert.equal(result.stage, undefined, "the second stage never ran");
    assert.equal(result.earlier, undefined);
  } finally {
    await pool.close();
  }
});

Deno.test("a second stage fails alone: its input past its limit, its own trap", async () => {
  const pool = new ExecutorPool({ workers: 1 });
  try {
    const tooLarge = await pool.runGroup(
      stage(ECHO, spec("echo")),
      [follower(UPPER, spec("uppercase"), 4)],
      text("hello"),
    );
    assert.equal(tooLarge.failure?.reason, "input_too_large");
    assert.match(tooLarge.failure!.message, /5 bytes exceeds its limit of 4/);
    assert.equal(tooLarge.stage, 1);
    assert.equal(tooLarge.earlier?.[0].outputBytes, 5);
    const trapped = await pool.runGroup(
      stage(ECHO, spec("echo")),
      [follower(FAIL, spec("fail", 10_000, ["trap"]))],
      text("hello"),
    );
    assert.equal(trapped.failure?.reason, "trap");
    assert.equal(trapped.stage, 1);
    assert.equal(trapped.earlier?.[0].outputBytes, 5);
    assert.match(trapped.stderr, /something went wrong/);
    // The worker is fine: a pair after them runs.
    const after = await pool.runGroup(
      stage(ECHO, spec("echo")),
      [follower(UPPER, spec("uppercase"))],
      text("still here"),
    );
    assert.equal(decode(after.stdout), "STILL HERE");
  } finally {
    await pool.close();
  }
});

Deno.test("each stage keeps its own deadline: an overdue second stage fails as itself", async () => {
  const pool = new ExecutorPool({ workers: 1, watchdogIntervalMs: 5 });
  try {
    const result = await pool.runGroup(
      stage(ECHO, spec("echo", 10_000)),
      [follower(SPIN, spec("spin", 10))],
      text("go"),
    );
    assert.equal(result.failure?.reason, "timeout");
    assert.match(result.failure!.message, /10 ms timeout/);
    assert.equal(result.stage, 1);
    assert.equal(result.earlier?.[0].outputBytes, 2);
  } finally {
    await pool.close();
  }
});

Deno.test("a second stage that cannot be interrupted loses its worker and fails as itself", async () => {
  const pool = new ExecutorPool({ workers: 1, watchdogIntervalMs: 5 });
  try {
    const result = await pool.runGroup(
      stage(ECHO, spec("echo")),
      [follower({ module: await longSpin() }, spec("spin", 10))],
      text("go"),
    );
    assert.equal(result.failure?.reason, "timeout");
    assert.match(result.failure!.message, /10 ms timeout/);
    assert.equal(result.stage, 1);
    assert.equal(pool.stats().restarts, 1);
    const after = await pool.runGroup(
      stage(ECHO, spec("echo")),
      [follower(UPPER, spec("uppercase"))],
      text("next"),
    );
    assert.equal(decode(after.stdout), "NEXT");
  } finally {
    await pool.close();
  }
});

Deno.test("a pair cancelled in its first stage ends there: its second never runs, its worker stays", async () => {
  let calls = 0;
  const pool = new ExecutorPool({
    workers: 1,
    watchdogIntervalMs: 5,
    onCall: () => {
      calls++;
      return Promise.resolve({ status: 200, payload: new Uint8Array() });
    },
  });
  try {
    // The worker is up: the pair starts at once.
    await pool.run(ECHO, "echo", spec("echo"), text("warm"));
    const controller = new AbortController();
    const pending = pool.runGroup(
      stage(SPIN, spec("spin", 60_000)),
      [follower(CALLER, spec("caller"))],
      text(""),
      controller.signal,
    );
    setTimeout(() => controller.abort(), 10);
    assert.equal((await pending).failure?.reason, "cancelled");
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(calls, 0, "the second stage never ran");
    assert.equal(pool.stats().restarts, 0);
    assert.equal(pool.stats().running, 0);
    const after = await pool.runGroup(
      stage(ECHO, spec("echo")),
      [follower(UPPER, spec("uppercase"))],
      text("on"),
    );
    assert.equal(decode(after.stdout), "ON");
  } finally {
    await pool.close();
  }
});

Deno.test("a second stage's calls are made as itself", async () => {
  const origins: string[] = [];
  const pool = new ExecutorPool({
    workers: 1,
    onCall: (fn, input, origin) => {
      origins.push(`${origin.fn}->${fn}`);
      return Promise.resolve({ status: 200, payload: upper(input) });
    },
  });
  try {
    const result = await pool.runGroup(
      stage(ECHO, spec("echo")),
      [follower(CALLER, spec("caller"))],
      text("called"),
    );
    assert.equal(result.failure, undefined, result.failure?.message);
    assert.equal(decode(result.stdout), "0:CALLED");
    assert.deepEqual(origins, ["caller->target"]);
    assert.equal(result.stage, 1);
  } finally {
    await pool.close();
  }
});

Deno.test("a pair's first output holds the node's budget until the second ends, then frees it", async () => {
  // Room for the six results the test holds (6 MiB) and three pairs at
  // once (2 MiB each): a loaded machine may add a worker beyond the two.
  const budget = new MemoryBudget(16 << 20);
  const pool = new ExecutorPool({ workers: 2, budget });
  try {
    const inputs = Array.from({ length: 6 }, () => randomBytes(1 << 20));
    const results = await Promise.all(
      inputs.map((input) =>
        pool.runGroup(
          stage(ECHO, Object.freeze(spec("echo"))),
          [follower(UPPER, Object.freeze(spec("uppercase")))],
          input.slice(),
        )
      ),
    );
    let held = 0;
    results.forEach((r, i) => {
      assert.equal(r.failure, undefined, r.failure?.message);
      assert.deepEqual(r.stdout, upper(inputs[i]));
      held += r.reserved ?? 0;
    });
    // What is left reserved is the second stages' outputs, which their
    // receiver releases; the first stages' are freed already.
    assert.equal(held, 6 << 20);
    assert.equal(budget.reserved, held);
    budget.release(held);
    // A pair whose first output the budget cannot hold fails in that stage.
    const overBudget = await pool.runGroup(
      stage(ECHO, spec("echo")),
      [follower(UPPER, spec("uppercase"))],
      randomBytes(17 << 20),
    );
    assert.equal(overBudget.failure?.reason, "memory_budget");
    assert.equal(overBudget.stage, undefined);
    assert.equal(budget.reserved, 0);
  } finally {
    await pool.close();
  }
});

/** A → {B, C} → D: echo, then uppercase and echo of it, then echo of both. */
const diamond = (frozen: boolean, maxInputBytes = 64 << 20) => {
  const s = (fn: string) => frozen ? Object.freeze(spec(fn)) : spec(fn);
  return {
    first: stage(ECHO, s("echo")),
    later: [
      { ...follower(UPPER, s("uppercase")), from: [0] },
      { ...follower(ECHO, s("echo")), from: [0] },
      { ...follower(ECHO, s("echo"), maxInputBytes), from: [1, 2] },
    ],
  };
};

Deno.test("a fan-out and its fan-in run as one job: each stage reads the outputs it names", async () => {
  const budget = new MemoryBudget(64 << 20);
  const pool = new ExecutorPool({ workers: 2, budget });
  try {
    // Small and frozen: templates in the ring both ways; large: by message.
    const inputs = [
      ...Array.from({ length: 16 }, (_, i) => text(`diamond ${i}`)),
      randomBytes(1 << 20),
      randomBytes(3 << 20),
    ];
    const results = await Promise.all(inputs.map((input, i) => {
      const { first, later } = diamond(i < 16);
      return pool.runGroup(first, later, input.slice());
    }));
    let held = 0;
    results.forEach((r, i) => {
      assert.equal(r.failure, undefined, r.failure?.message);
      const n = inputs[i].byteLength;
      assert.deepEqual(
        r.stdout,
        new Uint8Array([...upper(inputs[i]), ...inputs[i]]),
      );
      assert.equal(r.stage, 3);
      assert.deepEqual(r.earlier?.map((e) => e.outputBytes), [n, n, n]);
      assert.ok(r.earlier!.every((e) => e.durationMs > 0));
      held += r.reserved ?? 0;
    });
    // Only the last stages' outputs are left reserved, for their receivers.
    assert.equal(budget.reserved, held);
    budget.release(held);
    // The same frozen specs as a chain: another template, another shape.
    const chain = await pool.runGroup(
      stage(ECHO, Object.freeze(spec("echo"))),
      [follower(UPPER, Object.freeze(spec("uppercase")))],
      text("chain"),
    );
    assert.equal(decode(chain.stdout), "CHAIN");
  } finally {
    await pool.close();
  }
});

Deno.test("a group's failing stage ends it there, named by its place; later stages never run", async () => {
  let calls = 0;
  const pool = new ExecutorPool({
    workers: 1,
    onCall: () => {
      calls++;
      return Promise.resolve({ status: 200, payload: new Uint8Array() });
    },
  });
  try {
    const failed = await pool.runGroup(
      stage(ECHO, spec("echo")),
      [
        follower(FAIL, spec("fail", 10_000, ["3"])),
        follower(CALLER, spec("caller")),
      ],
      text("x"),
    );
    assert.equal(failed.failure?.reason, "exit");
    assert.equal(failed.stage, 1);
    assert.deepEqual(failed.earlier?.map((e) => e.outputBytes), [1]);
    assert.equal(calls, 0, "the third stage never ran");
    // The joined input of a fan-in past its stage's limit: 2 x 5 bytes.
    const { first, later } = diamond(false, 9);
    const tooLarge = await pool.runGroup(first, later, text("hello"));
    assert.equal(tooLarge.failure?.reason, "input_too_large");
    assert.match(tooLarge.failure!.message, /10 bytes/);
    assert.equal(tooLarge.stage, 3);
    assert.equal(tooLarge.earlier?.length, 3);
    assert.equal(pool.stats().restarts, 0);
  } finally {
    await pool.close();
  }
});

Deno.test("a group whose stage reads a later one, or whose output goes nowhere, is refused", () => {
  const pool = new ExecutorPool({ workers: 1 });
  try {
    const first = stage(ECHO, spec("echo"));
    const later = (from?: number[]) => ({
      ...follower(ECHO, spec("echo")),
      ...(from ? { from } : {}),
    });
    for (
      const stages of [
        [later([1])],
        [later([]), later()],
        [later([0, 0])],
        [later([0]), later([0])],
      ]
    ) {
      assert.throws(
        () => pool.runGroup(first, stages, text("x")),
        RangeError,
        JSON.stringify(stages.map((s) => s.from)),
      );
    }
  } finally {
    void pool.close();
  }
});
