/**
 * HTTP load for benchmarks: wrk (Debian) when installed, else a bounded
 * in-process Deno client. Always loopback, bounded in time.
 */

/** Throughput and latency one load run saw. */
export interface LoadResult {
  tool: "wrk" | "deno";
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
}

/** What to load and how hard, for how long. */
export interface LoadOptions {
  url: string;
  method: "GET" | "POST";
  body?: Uint8Array;
  connections: number;
  seconds: number;
}

function hasWrk(): boolean {
  try {
    new Deno.Command("wrk", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync();
    return true;
  } catch {
    return false;
  }
}

/**
 * Keeps `connections` requests in flight against `url` for `seconds`.
 *
 * @example
 * ```ts ignore
 * const r = await load({ url, method: "GET", connections: 64, seconds: 2 });
 * ```
 */
export async function load(options: LoadOptions): Promise<LoadResult> {
  return hasWrk() ? await wrk(options) : await denoClient(options);
}

async function wrk(o: LoadOptions): Promise<LoadResult> {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/load.lua`;
  let lua = `wrk.method = "${o.method}"\n`;
  if (o.body) {
    await Deno.writeFile(`${dir}/body.bin`, o.body);
    lua +=
      `local f = io.open("${dir}/body.bin", "rb"); wrk.body = f:read("*a"); f:close()\n`;
  }
  lua += `done = function(summary, latency, requests)
  io.write(string.format("EDDY %d %d %f %f %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end\n`;
  await Deno.writeTextFile(script, lua);
  const { stdout } = await new Deno.Command("wrk", {
    args: ["-t1", `-c${o.connections}`, `-d${o.seconds}s`, "-s", script, o.url],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  await Deno.remove(dir, { recursive: true });
  const line = new TextDecoder().decode(stdout).split("\n").find((l) =>
    l.startsWith("EDDY ")
  );
  if (!line) throw new Error("wrk printed no summary");
  const [requests, durationUs, p50Us, p99Us, errors] = line.split(" ").slice(1)
    .map(Number);
  return {
    tool: "wrk",
    requestsPerSecond: requests / (durationUs / 1e6),
    latencyP50Ms: p50Us / 1000,
    latencyP99Ms: p99Us / 1000,
    errors,
  };
}

async function denoClient(o: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + o.seconds * 1000;
  await Promise.all(Array.from({ length: o.connections }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      try {
        const res = await fetch(o.url, {
          method: o.method,
          body: o.body as BodyInit | undefined,
        });
        await res.arrayBuffer();
        if (!res.ok) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t);
    }
  }));
  latencies.sort((a, b) => a - b);
  return {
    tool: "deno",
    requestsPerSecond: latencies.length / o.seconds,
    latencyP50Ms: latencies[Math.floor(latencies.length * 0.5)],
    latencyP99Ms: latencies[Math.floor(latencies.length * 0.99)],
    errors,
  };
}
