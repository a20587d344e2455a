import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { ExecutorPool, type JobSpec } from "../../../runtime/executor/mod.ts";
import {
  BACKGROUND_NICE,
  GUEST_NICE_OFFSET,
  ThreadPriority,
} from "../../../runtime/executor/thread_priority.ts";
import { threads, type ThreadStat } from "../../_helpers/probe.ts";
import { countdown } from "../../_helpers/guests.ts";

/** A few hundred ms on one core. */
const COUNT = await countdown(400_000_000);
/**
 * Long enough for echoes to run beside it under a loaded test run, on a fast
 * core too: 0.6 s to a few s (400 million turns took 130 ms on one).
 */
const LONGER = await countdown(2_000_000_000);
/** About a millisecond: short enough never to count as long work. */
const SHORT = await countdown(1_000_000);
const ECHO = await Deno.readFile(
  new URL("../../../examples/echo/echo.wasm", import.meta.url),
).then((bytes) => WebAssembly.compile(bytes));

const spec = (fn: string): JobSpec => ({
  fn,
  args: [fn],
  env: {},
  preopens: [],
  timeoutMs: 30_000,
  maxMemoryBytes: 1 << 24,
  maxOutputBytes: 1 << 20,
});

/** Linux's background scheduling policy, which eddy puts workers in. */
const SCHED_IDLE = 5;

/**
 * Threads of `pool`'s workers now at nice `nice`: only its own, as other
 * tests' pools run in this process too under --parallel.
 */
function threadsAt(nice: number, pool: ExecutorPool): Set<string> {
  return ids((t) => t.nice === nice, pool);
}

/**
 * Threads of `pool`'s workers now in the background (`SCHED_IDLE`, or
 * nice 19 where policies cannot be set).
 */
function inBackground(pool: ExecutorPool): Set<string> {
  return ids(
    (t) => t.policy === SCHED_IDLE || t.nice === BACKGROUND_NICE,
    pool,
  );
}

function ids(
  which: (thread: ThreadStat) => boolean,
  pool: ExecutorPool,
): Set<string> {
  const mine = new Set(pool.workerThreads().map(String));
  return new Set(
    threads().filter((t) => which(t) && mine.has(t.id)).map((t) => t.id),
  );
}

const mainThread = () => String(Deno.pid);
const hi = () => new TextEncoder().encode("hi");

/** Runs short jobs of `fn` on `pool` one after another while `going()`. */
async function shortJobs(
  pool: ExecutorPool,
  fn: string,
  going: () => boolean,
): Promise<void> {
  while (going()) {
    const job = await pool.run({ module: SHORT }, fn, spec(fn), hi());
    assert.equal(job.failure, undefined);
  }
}

Deno.test({
  name:
    "workers run below the node's thread; one running a long guest goes to the background while short guests run beside it, and comes back for short work after",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const priority = new ThreadPriority();
    const pool = new ExecutorPool({ workers: 2 });
    try {
      await pool.run({ module: ECHO }, "echo", spec("echo"), hi());
      let done = false;
      const long = pool.run({ module: LONGER }, "count", spec("count"), hi());
      long.finally(() => done = true).catch(() => {});
      let most = 0;
      let idle = false;
      let echoes = 0;
      while (!done) {
        const echo = await pool.run(
          { module: ECHO },
          "echo",
          spec("echo"),
          hi(),
        );
        assert.equal(new TextDecoder().decode(echo.stdout), "hi");
        echoes++;
        const background = inBackground(pool);
        most = Math.max(most, background.size);
        // A policy the kernel acts on at once, not only a lower weight.
        for (const t of threads()) {
          if (background.has(t.id)) idle ||= t.policy === SCHED_IDLE;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.equal((await long).failure, undefined);
      assert.ok(echoes > 1, `${echoes} echoes ran beside the long guest`);
      // Only the long guest's worker, and only where it can come back.
      assert.equal(most, priority.canBackground ? 1 : 0);
      assert.equal(idle, priority.canBackground);
      // Idle, it keeps its priority; short work brings it back before it
      // runs (8 at once: both workers get some).
      const runs = await Promise.all(
        Array.from(
          { length: 8 },
          () => pool.run({ module: ECHO }, "echo", spec("echo"), hi()),
        ),
      );
      for (const run of runs) assert.equal(run.failure, undefined);
      assert.equal(inBackground(pool).size, 0);
      // Both workers run below the node's thread, which keeps its priority.
      assert.equal(threadsAt(priority.guestNice, pool).size, 2);
      assert.equal(
        threads().find((t) => t.id === mainThread())?.nice,
        priority.guestNice - GUEST_NICE_OFFSET,
      );
    } finally {
      await pool.close();
    }
  },
});

Deno.test({
  name:
    "a long guest in the background still finishes while other processes keep every core busy",
  ignore: Deno.build.os !== "linux" || !new ThreadPriority().canBackground,
  async fn() {
    // SCHED_IDLE alone would leave it no core at all beside these.
    const hogs = Array.from(
      { length: availableParallelism() },
      () =>
        new Deno.Command("sh", {
          args: ["-c", "while :; do :; done"],
          stdout: "null",
          stderr: "null",
        }).spawn(),
    );
    const pool = new ExecutorPool({ workers: 1, maxWorkers: 1 });
    try {
      let done = false;
      const long = pool.run({ module: COUNT }, "count", {
        ...spec("count"),
        timeoutMs: 20_000,
      }, hi());
      long.finally(() => done = true).catch(() => {});
      let backgrounded = false;
      while (!done) {
        backgrounded ||= inBackground(pool).size > 0;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.equal((await long).failure, undefined);
      assert.ok(backgrounded, "it never went to the background");
      assert.ok(pool.stats().starvedLifts > 0, "it was never lifted");
    } finally {
      for (const hog of hogs) hog.kill("SIGKILL");
      await Promise.all(hogs.map((hog) => hog.status));
      await pool.close();
    }
  },
});

Deno.test({
  name:
    "a function refused for its concurrency runs its short jobs in the background; others do not, and its worker comes back after",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const priority = new ThreadPriority();
    const pool = new ExecutorPool({ workers: 1, maxWorkers: 1 });
    try {
      /**
       * Most threads seen in the background while `fn`'s jobs kept the
       * worker busy for ~300 ms (two in flight at all times).
       */
      const busy = async (fn: string) => {
        let most = 0;
        const end = performance.now() + 300;
        const going = () => performance.now() < end;
        const streams = [
          shortJobs(pool, fn, going),
          shortJobs(pool, fn, going),
        ];
        while (performance.now() < end) {
          await new Promise((resolve) => setTimeout(resolve, 3));
          most = Math.max(most, inBackground(pool).size);
        }
        await Promise.all(streams);
        return most;
      };
      assert.equal(await busy("calm"), 0, "short jobs went to the background");
      pool.flooding("flood");
      assert.equal(await busy("flood"), priority.canBackground ? 1 : 0);
      const echo = await pool.run({ module: ECHO }, "echo", spec("echo"), hi());
      assert.equal(new TextDecoder().decode(echo.stdout), "hi");
      assert.equal(inBackground(pool).size, 0);
    } finally {
      await pool.close();
    }
  },
});

Deno.test({
  name:
    "a function refused for the node's load (its expected wait past --max-queue-wait) runs its jobs in the background",
  ignore: Deno.build.os !== "linux" || !new ThreadPriority().canBackground,
  async fn() {
    const pool = new ExecutorPool({
      workers: 1,
      maxWorkers: 1,
      maxQueueWaitMs: 1,
    });
    try {
      let refused = 0;
      let most = 0;
      const end = performance.now() + 300;
      // More short jobs at once than 1 ms of waiting takes.
      const streams = Array.from({ length: 8 }, async () => {
        while (performance.now() < end) {
          try {
            await pool.run({ module: SHORT }, "burst", spec("burst"), hi());
          } catch (error) {
            assert.match(String(error), /overloaded|wait/);
            refused++;
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
        }
      });
      while (performance.now() < end) {
        await new Promise((resolve) => setTimeout(resolve, 3));
        most = Math.max(most, inBackground(pool).size);
      }
      await Promise.all(streams);
      assert.ok(refused > 0, "nothing was refused");
      assert.equal(most, 1);
    } finally {
      await pool.close();
    }
  },
});

Deno.test({
  name:
    "a worker fed a flood's jobs one at a time stays in the background between them",
  ignore: Deno.build.os !== "linux" || !new ThreadPriority().canBackground,
  async fn() {
    const pool = new ExecutorPool({ workers: 1, maxWorkers: 1 });
    try {
      pool.flooding("flood");
      // One job in flight: the worker runs dry after each, and the next
      // comes as it would from a client.
      let seen = 0;
      let away = 0;
      const end = performance.now() + 400;
      const stream = shortJobs(pool, "flood", () => performance.now() < end);
      while (performance.now() < end) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        const background = inBackground(pool).size === 1;
        if (background) seen++;
        else if (seen > 0) away++;
      }
      await stream;
      assert.ok(seen > 0, "the flood's worker never went to the background");
      // A worker starved in the background (a loaded machine) is lifted out
      // of it for a while, rightly.
      if (pool.stats().starvedLifts === 0) {
        assert.equal(
          away,
          0,
          `out of the background in ${away} of ${seen + away} looks`,
        );
      }
    } finally {
      await pool.close();
    }
  },
});

Deno.test({
  name:
    "a worker in the background for a flood comes back the moment another function's job is sent to it",
  ignore: Deno.build.os !== "linux" || !new ThreadPriority().canBackground,
  async fn() {
    const pool = new ExecutorPool({ workers: 1, maxWorkers: 1 });
    let flooding = true;
    let streams: Promise<void>[] = [];
    try {
      pool.flooding("flood");
      streams = [
        shortJobs(pool, "flood", () => flooding),
        shortJobs(pool, "flood", () => flooding),
      ];
      while (inBackground(pool).size === 0) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const echo = pool.run({ module: ECHO }, "echo", spec("echo"), hi());
      // Jobs go out in a microtask; the watchdog's next round is ms away.
      for (let i = 0; i < 3; i++) await null;
      assert.equal(inBackground(pool).size, 0);
      assert.equal(new TextDecoder().decode((await echo).stdout), "hi");
    } finally {
      flooding = false;
      await Promise.all(streams);
      await pool.close();
    }
  },
});

Deno.test({
  name:
    "without CAP_SYS_NICE (and RLIMIT_NICE 0) no thread is put in the background",
  // Dropping a capability for a child process takes root.
  ignore: Deno.build.os !== "linux" || Deno.uid() !== 0,
  async fn() {
    assert.equal(new ThreadPriority().canBackground, true);
    const module = new URL(
      "../../../runtime/executor/thread_priority.ts",
      import.meta.url,
    );
    const { code, stdout, stderr } = await new Deno.Command("setpriv", {
      args: [
        "--bounding-set=-sys_nice",
        "--",
        Deno.execPath(),
        "eval",
        `const { ThreadPriority } = await import("${module}");
         console.log(new ThreadPriority().canBackground);`,
      ],
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.equal(new TextDecoder().decode(stdout).trim(), "false");
  },
});
