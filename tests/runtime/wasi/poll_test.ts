import assert from "node:assert/strict";
import { Errno, WasiHost } from "../../../runtime/wasi/mod.ts";
import { type Guest, runWat, watModule, withGuest } from "./_guest.ts";

const SUB = 48;
const EVENT = 32;

/** Writes a clock subscription at `at`. */
function clockSub(
  g: Guest,
  at: number,
  userdata: bigint,
  id: number,
  timeout: bigint,
  abstime = false,
): void {
  const v = g.view;
  v.setBigUint64(at, userdata, true);
  v.setUint8(at + 8, 0);
  v.setUint32(at + 16, id, true);
  v.setBigUint64(at + 24, timeout, true);
  v.setBigUint64(at + 32, 0n, true);
  v.setUint16(at + 40, abstime ? 1 : 0, true);
}

function fdSub(
  g: Guest,
  at: number,
  userdata: bigint,
  tag: number,
  fd: number,
) {
  const v = g.view;
  v.setBigUint64(at, userdata, true);
  v.setUint8(at + 8, tag);
  v.setUint32(at + 16, fd, true);
}

function event(g: Guest, at: number) {
  const v = g.view;
  return {
    userdata: v.getBigUint64(at, true),
    error: v.getUint16(at + 8, true),
    type: v.getUint8(at + 10),
    nbytes: v.getBigUint64(at + 16, true),
    flags: v.getUint16(at + 24, true),
  };
}

/**
 * A guest body that sleeps `ms` on the monotonic clock (subscription
 * userdata 42) and exits with 100 x events + the first event's userdata.
 */
const sleepFor = (ms: number) => `
  (memory (export "memory") 1)
  (func (export "_start")
    (i64.store (i32.const 0) (i64.const 42))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const ${ms * 1_000_000}))
    (drop (call $poll_oneoff (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 200)))
    (call $proc_exit (i32.add
      (i32.mul (i32.load (i32.const 200)) (i32.const 100))
      (i32.wrap_i64 (i64.load (i32.const 64))))))`;

Deno.test("a WAT guest sleeping 30 ms with poll_oneoff is blocked ~30 ms", () => {
  const started = performance.now();
  const { code } = runWat(sleepFor(30));
  const took = performance.now() - started;
  assert.equal(code, 142); // one event, userdata 42
  // The time includes building the guest from WAT, which a loaded machine
  // can stretch; the upper bound only tells 30 ms from 30 s.
  assert.ok(took >= 29 && took < 5_000, `slept ${took} ms`);
});

Deno.test("poll_oneoff: relative clock sleeps for the shortest timeout", () => {
  withGuest({}, (g) => {
    clockSub(g, 0, 1n, 1, 200_000_000n); // 200 ms
    clockSub(g, SUB, 2n, 0, 20_000_000n); // 20 ms, realtime
    const started = performance.now();
    assert.equal(g.call("poll_oneoff", 0, 1024, 2, 2000), Errno.ESUCCESS);
    const took = performance.now() - started;
    assert.ok(took >= 19 && took < 150, `slept ${took} ms`);
    assert.equal(g.u32(2000), 1);
    assert.deepEqual(event(g, 1024), {
      userdata: 2n,
      error: 0,
      type: 0,
      nbytes: 0n,
      flags: 0,
    });
  });
});

Deno.test("poll_oneoff: absolute deadlines on monotonic and realtime clocks", () => {
  withGuest({}, (g) => {
    assert.equal(g.call("clock_time_get", 1, 0n, 3000), Errno.ESUCCESS);
    clockSub(g, 0, 7n, 1, g.u64(3000) + 25_000_000n, true);
    let started = performance.now();
    assert.equal(g.call("poll_oneoff", 0, 1024, 1, 2000), Errno.ESUCCESS);
    let took = performance.now() - started;
    assert.ok(took >= 23 && took < 200, `monotonic: ${took} ms`);
    assert.equal(event(g, 1024).userdata, 7n);

    assert.equal(g.call("clock_time_get", 0, 0n, 3000), Errno.ESUCCESS);
    clockSub(g, 0, 8n, 0, g.u64(3000) + 25_000_000n, true);
    started = performance.now();
    assert.equal(g.call("poll_oneoff", 0, 1024, 1, 2000), Errno.ESUCCESS);
    took = performance.now() - started;
    assert.ok(took >= 23 && took < 200, `realtime: ${took} ms`);

    // A deadline in the past is due at once.
    clockSub(g, 0, 9n, 1, 1n, true);
    started = performance.now();
    assert.equal(g.call("poll_oneoff", 0, 1024, 1, 2000), Errno.ESUCCESS);
    assert.ok(performance.now() - started < 20);
    assert.deepEqual([g.u32(2000), event(g, 1024).userdata], [1, 9n]);
  });
});

Deno.test("poll_oneoff: stdio subscriptions are ready at once", () => {
  withGuest({ stdin: new Uint8Array(5) }, (g) => {
    clockSub(g, 0, 1n, 1, 10_000_000_000n); // 10 s: must not be waited for
    fdSub(g, SUB, 2n, 1, 0); // read stdin
    fdSub(g, 2 * SUB, 3n, 2, 1); // write stdout
    fdSub(g, 3 * SUB, 4n, 1, 99); // not open
    const started = performance.now();
    assert.equal(g.call("poll_oneoff", 0, 1024, 4, 2000), Errno.ESUCCESS);
    assert.ok(performance.now() - started < 100);
    assert.equal(g.u32(2000), 3);
    assert.deepEqual(event(g, 1024), {
      userdata: 2n,
      error: 0,
      type: 1,
      nbytes: 5n,
      flags: 0,
    });
    assert.deepEqual(
      [event(g, 1024 + EVENT).userdata, event(g, 1024 + EVENT).type],
      [3n, 2],
    );
    assert.deepEqual(
      [event(g, 1024 + 2 * EVENT).userdata, event(g, 1024 + 2 * EVENT).error],
      [4n, Errno.EBADF],
    );
  });
});

Deno.test("poll_oneoff: bad arguments", () => {
  withGuest({}, (g) => {
    assert.equal(g.call("poll_oneoff", 0, 1024, 0, 2000), Errno.EINVAL);
    assert.equal(g.call("poll_oneoff", 65500, 1024, 1, 2000), Errno.EFAULT);
    assert.equal(g.call("poll_oneoff", 0, 65510, 1, 2000), Errno.EFAULT);
    assert.equal(g.call("poll_oneoff", 0, 1024, 1, 65534), Errno.EFAULT);
    assert.equal(
      g.call("poll_oneoff", 0, 1024, 0x7fffffff, 2000),
      Errno.EFAULT,
    );
    clockSub(g, 0, 1n, 77, 1n); // unknown clock: an event with EINVAL
    assert.equal(g.call("poll_oneoff", 0, 1024, 1, 2000), Errno.ESUCCESS);
    assert.deepEqual([g.u32(2000), event(g, 1024).error], [1, Errno.EINVAL]);
  });
});

Deno.test("with a sleep, a guest waiting on a clock is suspended and the thread runs on", async () => {
  const asked: number[] = [];
  const host = new WasiHost({
    sleep: (ms) => {
      asked.push(ms);
      return new Promise((resolve) => setTimeout(resolve, ms));
    },
  });
  const instance = new WebAssembly.Instance(
    watModule(sleepFor(40)),
    host.imports,
  );
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 1);
  try {
    assert.equal(await host.startAsync(instance), 142); // one event, userdata 42
  } finally {
    clearInterval(ticker);
  }
  assert.equal(asked.length, 1);
  // What is left of the 40 ms, from two clock readings in floating point.
  assert.ok(
    asked[0] > 30 && asked[0] <= 40 + 1e-9,
    `asked to sleep ${asked[0]} ms`,
  );
  assert.ok(ticks > 0, "the thread was blocked while the guest slept");
});

Deno.test("with a sleep, a rejected sleep unwinds the guest", async () => {
  const body = `
    (memory (export "memory") 1)
    (func (export "_start")
      (i32.store (i32.const 16) (i32.const 1))
      (i64.store (i32.const 24) (i64.const 10000000000))
      (drop (call $poll_oneoff (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 200)))
      (call $proc_exit (i32.const 0)))`;
  const host = new WasiHost({
    sleep: () => Promise.reject(new Error("stopped")),
  });
  const instance = new WebAssembly.Instance(watModule(body), host.imports);
  await assert.rejects(host.startAsync(instance), /stopped/);
});

Deno.test("with a sleep, a wait that stdin answers does not sleep", async () => {
  // A 10 s clock and stdin (fd 0, fd_read): stdin is ready at once.
  const body = `
    (memory (export "memory") 1)
    (func (export "_start")
      (i32.store (i32.const 16) (i32.const 1))
      (i64.store (i32.const 24) (i64.const 10000000000))
      (i32.store8 (i32.const 56) (i32.const 1))
      (drop (call $poll_oneoff (i32.const 0) (i32.const 128) (i32.const 2) (i32.const 400)))
      (call $proc_exit (i32.load (i32.const 400))))`;
  let slept = false;
  const host = new WasiHost({
    stdin: new TextEncoder().encode("ready"),
    sleep: () => {
      slept = true;
      return Promise.resolve();
    },
  });
  const instance = new WebAssembly.Instance(watModule(body), host.imports);
  assert.equal(await host.startAsync(instance), 1); // one event: stdin
  assert.equal(slept, false);
});
