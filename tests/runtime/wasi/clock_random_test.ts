import assert from "node:assert/strict";
import { Errno } from "../../../runtime/wasi/mod.ts";
import { type Guest, withGuest } from "./_guest.ts";

/** Asserts that the guest's realtime clock reads `Date.now()`, in ns. */
function readsWallClock(g: Guest): void {
  const before = BigInt(Date.now()) * 1_000_000n;
  assert.equal(g.call("clock_time_get", 0, 1n, 8), Errno.ESUCCESS);
  const after = BigInt(Date.now() + 2) * 1_000_000n;
  const now = g.u64(8);
  assert.ok(now >= before - 2_000_000n && now <= after, `${now}`);
}

Deno.test("clock_time_get: realtime is the wall clock in ns", () => {
  withGuest({}, readsWallClock);
});

Deno.test("clock_time_get: realtime follows the wall clock when the system's time is stepped", () => {
  const wallNow = Date.now;
  // As if NTP stepped the system's time a minute ahead: the monotonic clock
  // (performance.now) does not move, the wall clock does.
  Date.now = () => wallNow() + 60_000;
  try {
    withGuest({}, readsWallClock);
  } finally {
    Date.now = wallNow;
  }
});

Deno.test("clock_time_get: monotonic advances, cputime counts", () => {
  withGuest({}, (g) => {
    assert.equal(g.call("clock_time_get", 1, 0n, 8), Errno.ESUCCESS);
    const first = g.u64(8);
    const until = performance.now() + 5;
    while (performance.now() < until) { /* spin */ }
    assert.equal(g.call("clock_time_get", 1, 0n, 16), Errno.ESUCCESS);
    const elapsed = g.u64(16) - first;
    assert.ok(elapsed >= 4_000_000n && elapsed < 1_000_000_000n, `${elapsed}`);
    for (const id of [2, 3]) {
      assert.equal(g.call("clock_time_get", id, 0n, 24), Errno.ESUCCESS);
      assert.ok(g.u64(24) > 0n);
    }
  });
});

Deno.test("clock_time_get: the thread clock is this thread's CPU, within the process's", () => {
  withGuest({}, (g) => {
    const cpu = (id: number) => {
      assert.equal(g.call("clock_time_get", id, 0n, 8), Errno.ESUCCESS);
      return g.u64(8);
    };
    const before = cpu(3);
    const until = performance.now() + 30;
    while (performance.now() < until) { /* spin */ }
    const spun = cpu(3) - before;
    // Other tests share the cores: the spin gets at least some of its 30 ms.
    assert.ok(spun >= 1_000_000n && spun <= 1_000_000_000n, `${spun}`);
    const thread = cpu(3);
    assert.ok(
      cpu(2) >= thread,
      "the process has used at least this thread's time",
    );
  });
});

Deno.test("clock_res_get answers 1 µs; bad ids EINVAL, bad pointers EFAULT", () => {
  withGuest({}, (g) => {
    for (const id of [0, 1, 2, 3]) {
      assert.equal(g.call("clock_res_get", id, 8), Errno.ESUCCESS);
      assert.equal(g.u64(8), 1000n);
    }
    assert.equal(g.call("clock_res_get", 4, 8), Errno.EINVAL);
    assert.equal(g.call("clock_time_get", 9, 0n, 8), Errno.EINVAL);
    assert.equal(g.call("clock_time_get", 0, 0n, 65530), Errno.EFAULT);
    assert.equal(g.call("clock_res_get", 0, -8), Errno.EFAULT);
  });
});

Deno.test("random_get fills buffers larger than one 64 KiB chunk", () => {
  withGuest({}, (g) => {
    g.grow(2);
    const len = 100_000;
    assert.equal(g.call("random_get", 1000, len), Errno.ESUCCESS);
    const bytes = g.u8.subarray(1000, 1000 + len);
    // Each 64 KiB piece got random bytes: no long run of zeros anywhere.
    for (const start of [0, 65536, len - 1000]) {
      assert.ok(bytes.subarray(start, start + 1000).some((b) => b !== 0));
    }
    assert.equal(g.u8[999], 0);
    assert.equal(g.u8[1000 + len], 0);
    assert.equal(g.call("random_get", 0, 0), Errno.ESUCCESS);
  });
});

Deno.test("random_get out of bounds answers EFAULT and writes nothing", () => {
  withGuest({}, (g) => {
    assert.equal(g.call("random_get", 65000, 1000), Errno.EFAULT);
    assert.equal(g.call("random_get", 0, -1), Errno.EFAULT);
    assert.ok(g.u8.subarray(65000).every((b) => b === 0));
  });
});
