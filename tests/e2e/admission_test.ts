/**
 * Admission under bursts: an invocation whose expected wait for a worker
 * exceeds its bound (`--max-queue-wait`, or its own timeout) is refused at
 * once (503 `overloaded`, naming its function, with Retry-After) instead
 * of queued into a timeout; the queue is served per function in turn, so a
 * function flooding the node is shed while another keeps being admitted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { deployModules } from "../_helpers/deploy.ts";
import { deployExample } from "../_helpers/peers.ts";
import { REPO_ROOT, startNode } from "../_helpers/node_process.ts";
import {
  AT_ONCE_PER_WINDOW,
  AT_ONCE_WINDOW_MS,
  REFUSAL_ROUND_MS,
} from "../../api/refusal_pace.ts";

/** Counts primes up to this: ~16 ms of CPU on the machine it was written on. */
const PRIMES_UP_TO = "300000";
const PRIMES_FOUND = "25997";
/** ~80 ms of CPU. */
const MORE_PRIMES = "1000000";

interface Answer {
  status: number;
  body: string;
  retryAfter: string | null;
}

async function invoke(url: string, fn: string, body: string): Promise<Answer> {
  const res = await fetch(`${url}/invoke/${fn}`, { method: "POST", body });
  return {
    status: res.status,
    body: await res.text(),
    retryAfter: res.headers.get("retry-after"),
  };
}

/** Checks every refusal in `answers` and counts answers by status. */
function tally(answers: Answer[], fn: string): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const a of answers) {
    counts[a.status] = (counts[a.status] ?? 0) + 1;
    if (a.status !== 503) continue;
    const { error } = JSON.parse(a.body);
    assert.equal(error.code, "overloaded");
    assert.equal(error.function, fn);
    assert.match(error.message, /would wait/);
    assert.equal(a.retryAfter, "1");
  }
  return counts;
}

Deno.test("a flood far beyond capacity: the excess is refused at once, the admitted succeed, none time out", async () => {
  await using node = await startNode({
    flags: ["--workers", "1", "--max-queue-wait", "200ms"],
  });
  await deployExample(node.url, "primes", "primes");
  // Its first runs tell the node what one costs.
  for (let i = 0; i < 3; i++) {
    assert.equal(
      (await invoke(node.url, "primes", PRIMES_UP_TO)).body.trim(),
      PRIMES_FOUND,
    );
  }
  // ~16 ms each on one worker: 400 at once is seconds of work, and the
  // node admits about 200 ms of it.
  const answers = await Promise.all(
    Array.from({ length: 400 }, () => invoke(node.url, "primes", PRIMES_UP_TO)),
  );
  const counts = tally(answers, "primes");
  assert.ok(counts[503] > 0, `none refused: ${JSON.stringify(counts)}`);
  assert.ok(counts[200] > 0, `none admitted: ${JSON.stringify(counts)}`);
  assert.equal(counts[200] + counts[503], 400, JSON.stringify(counts));
  for (const a of answers) {
    if (a.status === 200) assert.equal(a.body.trim(), PRIMES_FOUND);
  }
  // Right after the flood, the node answers as usual.
  for (let i = 0; i < 5; i++) {
    const after = await invoke(node.url, "primes", PRIMES_UP_TO);
    assert.equal(after.status, 200, after.body);
  }
  const metrics = await (await fetch(`${node.url}/metrics`)).text();
  assert.match(
    metrics,
    new RegExp(
      `eddy_invocation_errors_total\\{function="primes",reason="overloaded"\\} ${
        counts[503]
      }`,
    ),
  );
});

Deno.test("one function flooding the node is shed; another function's invocations all succeed", async () => {
  await using node = await startNode({
    flags: ["--workers", "1", "--max-queue-wait", "3s"],
  });
  // An invocation may wait 3 s: ~40 runs of the flood (~80 ms each), far
  // fewer than its 300 clients keep out. In one line with the flood, echo
  // would wait as long as the flood's line is held to (refused about half
  // the time); served in turn, it waits for a run or two.
  await deployExample(node.url, "flood", "primes");
  await deployExample(node.url, "echo", "echo");
  for (let i = 0; i < 3; i++) {
    assert.equal((await invoke(node.url, "flood", MORE_PRIMES)).status, 200);
    assert.equal((await invoke(node.url, "echo", "warm")).status, 200);
  }
  let flooding = true;
  const flood: Promise<Answer[]>[] = [];
  // Clients of `flood` keep 300 invocations out until the echoes are done.
  for (let c = 0; c < 300; c++) {
    flood.push((async () => {
      const answers: Answer[] = [];
      while (flooding) {
        answers.push(await invoke(node.url, "flood", MORE_PRIMES));
      }
      return answers;
    })());
  }
  await new Promise((r) => setTimeout(r, 300));
  const echoes: Answer[] = [];
  for (let i = 0; i < 10; i++) {
    echoes.push(await invoke(node.url, "echo", `echo ${i}`));
  }
  flooding = false;
  const counts = tally((await Promise.all(flood)).flat(), "flood");
  for (const [i, a] of echoes.entries()) {
    assert.equal(a.status, 200, a.body);
    assert.equal(a.body, `echo ${i}`);
  }
  assert.ok(counts[503] > 0, `flood never shed: ${JSON.stringify(counts)}`);
  assert.ok(counts[200] > 0, `flood never admitted: ${JSON.stringify(counts)}`);
});

Deno.test("clients that retry each refusal at once are paced: past a few a window, a function's refusals wait for a round, and its admitted runs go on", async () => {
  await using node = await startNode({
    flags: ["--workers", "1", "--max-queue-wait", "1ms"],
  });
  await deployExample(node.url, "primes", "primes");
  for (let i = 0; i < 3; i++) {
    assert.equal((await invoke(node.url, "primes", PRIMES_UP_TO)).status, 200);
  }
  const clients = 48;
  const forMs = 500;
  const until = performance.now() + forMs;
  const answers = (await Promise.all(
    Array.from({ length: clients }, async () => {
      const mine: Answer[] = [];
      while (performance.now() < until) {
        mine.push(await invoke(node.url, "primes", PRIMES_UP_TO));
      }
      return mine;
    }),
  )).flat();
  const counts = tally(answers, "primes");
  // Each window answers a few at once; the rest wait for a round, one per
  // client a round.
  const windows = Math.ceil(forMs / AT_ONCE_WINDOW_MS) + 1;
  const rounds = Math.ceil(forMs / REFUSAL_ROUND_MS) + 1;
  const most = AT_ONCE_PER_WINDOW * windows + clients * rounds;
  assert.ok(counts[503] > 0, `none refused: ${JSON.stringify(counts)}`);
  assert.ok(counts[503] <= most, `${counts[503]} refusals, past ${most}`);
  assert.ok(counts[200] > 0, `none admitted: ${JSON.stringify(counts)}`);
  for (const a of answers) {
    if (a.status === 200) assert.equal(a.body.trim(), PRIMES_FOUND);
  }
});

Deno.test("limits.maxQueueWait refuses a function's invocations that would wait longer for a worker, naming it; another without one has them all run", async () => {
  await using node = await startNode({ flags: ["--workers", "1"] });
  const primes = await Deno.readFile(
    join(REPO_ROOT, "examples/primes/primes.wasm"),
  );
  await deployModules(node.url, {
    hasty: { module: primes, limits: "maxQueueWait: 5ms" },
    patient: { module: primes },
  });
  for (let i = 0; i < 3; i++) {
    assert.equal((await invoke(node.url, "hasty", PRIMES_UP_TO)).status, 200);
    assert.equal((await invoke(node.url, "patient", PRIMES_UP_TO)).status, 200);
  }
  // 30 of each at once on one worker: far more than 5 ms of work.
  const [hasty, patient] = await Promise.all(
    ["hasty", "patient"].map((fn) =>
      Promise.all(
        Array.from({ length: 30 }, () => invoke(node.url, fn, PRIMES_UP_TO)),
      )
    ),
  );
  const counts = tally(hasty, "hasty");
  assert.ok(counts[503] > 0, `none refused: ${JSON.stringify(counts)}`);
  assert.ok(counts[200] > 0, `none admitted: ${JSON.stringify(counts)}`);
  for (const a of hasty) {
    if (a.status === 503) {
      assert.match(JSON.parse(a.body).error.message, /limits\.maxQueueWait/);
    } else assert.equal(a.body.trim(), PRIMES_FOUND);
  }
  for (const a of patient) {
    assert.equal(a.status, 200, a.body);
    assert.equal(a.body.trim(), PRIMES_FOUND);
  }
  const fn = await (await fetch(`${node.url}/v1/functions/hasty`)).json();
  assert.equal(fn.limits.maxQueueWaitMs, 5);
});
