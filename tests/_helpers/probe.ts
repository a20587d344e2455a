/**
 * What a node process uses, read from outside: its resident memory from
 * `/proc`, its gauges from `/metrics`, and how long `/healthz` takes.
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
