/**
 * What a node process uses, read from outside: its resident memory and its
 * threads from `/proc`, its gauges from `/metrics`, and how long `/healthz`
 * takes.
 *
 * @module
 */

/**
 * Resident set size of process `pid` in bytes (`VmRSS` of /proc/<pid>/status).
 *
 * @example
 * ```ts ignore
 * const before = await rssBytes(node.process.pid);
 * ```
 */
export async function rssBytes(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!kib) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib[1]) * 1024;
}

/** One thread of a process, as `/proc/<pid>/task/<id>/stat` shows it. */
export interface ThreadStat {
  /** Its id (the task directory's name). */
  id: string;
  /** Its name (`comm`), e.g. `worker-1`. */
  name: string;
  /** Its nice value. */
  nice: number;
  /** Its scheduling policy (Linux's number: 0 `SCHED_OTHER`, 5 `SCHED_IDLE`). */
  policy: number;
  /** CPU time it has used, user and system (ms). */
  cpuMs: number;
}

/**
 * The threads of process `pid` (or of this one) now; one that ends while
 * they are read is left out.
 *
 * @example
 * ```ts ignore
 * const workers = threads(node.process.pid).filter((t) => t.name.startsWith("worker"));
 * ```
 */
export function threads(pid: number | "self" = "self"): ThreadStat[] {
  const found: ThreadStat[] = [];
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/stat`);
    } catch {
      continue;
    }
    // Fields after the name's closing parenthesis start at field 3: utime
    // and stime (in 10 ms ticks) are fields 14 and 15, the nice value 19,
    // the scheduling policy 41.
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    found.push({
      id: task.name,
      name: stat.slice(stat.indexOf("(") + 1, close),
      nice: Number(fields[16]),
      policy: Number(fields[38]),
      cpuMs: 10 * (Number(fields[11]) + Number(fields[12])),
    });
  }
  return found;
}

/**
 * The value of an unlabelled gauge in the node's `/metrics`.
 *
 * @example
 * ```ts ignore
 * const held = await gauge(node.url, "eddy_executor_modules");
 * ```
 */
export async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  if (!line) throw new Error(`no gauge ${name} in /metrics`);
  return Number(line[1]);
}

/**
 * Milliseconds `GET /healthz` takes to answer 200.
 *
 * @example
 * ```ts ignore
 * assert.ok(await healthzMs(node.url) < 200);
 * ```
 */
export async function healthzMs(url: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/healthz`);
  await res.body?.cancel();
  if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
  return performance.now() - started;
}

/**
 * Polls `/healthz` from a worker thread while `action` runs (started once
 * the poller is warm); resolves with what `action` gave and the slowest
 * answer in ms.
 *
 * @example
 * ```ts ignore
 * const [res, slowest] = await whileProbing(node.url, () => fetch(url));
 * ```
 */
export async function whileProbing<T>(
  url: string,
  action: () => Promise<T>,
): Promise<[T, number]> {
  const worker = new Worker(
    new URL("./_healthz_worker.ts", import.meta.url),
    { type: "module" },
  );
  const warm = Promise.withResolvers<void>();
  const slowest = Promise.withResolvers<number>();
  worker.onmessage = (event) => {
    if (event.data === "warm") warm.resolve();
    else slowest.resolve(event.data);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    warm.reject(new Error(event.message));
    slowest.reject(new Error(event.message));
  };
  worker.postMessage({ url });
  try {
    await warm.promise;
    const result = await action();
    worker.postMessage("stop");
    return [result, await slowest.promise];
  } finally {
    worker.terminate();
  }
}
