/**
 * A flood of one function from its own process, so that the client
 * measuring another function's latency beside it does not share an event
 * loop with thousands of requests a second (which would time the client,
 * not the node).
 *
 *   deno run -A bench/_flood.ts URL FUNCTION BODY CLIENTS
 *
 * Starts CLIENTS closed-loop clients (a refused request is sent again at
 * once), prints `flooding` once every client has had an answer, and floods
 * until its stdin closes; then prints what it got, as one JSON line:
 * `{"admitted": N, "refused": N, "other": N}` (refused: 503 `overloaded`).
 *
 * @module
 */

/** What a flood got, as `_flood.ts` prints it at the end. */
export interface FloodCounts {
  admitted: number;
  refused: number;
  other: number;
}

/** How the flood's process runs. */
export interface FloodOptions {
  /**
   * Its nice level (default: the benchmark's own). At 19 it gets a core
   * only when the node's threads leave one, as clients on other machines
   * would leave the node's cores alone.
   */
  nice?: number;
}

/**
 * After its process is stopped, how long (ms) the node is left to finish
 * the flood's runs and answer its held refusals before it counts as quiet.
 */
const SETTLE_MS = 300;

/** After its process resumes, how long (ms) the flood takes to be back. */
const RESUME_MS = 200;

/**
 * A flood under way, which `measure` may pause (its process stopped, the
 * node left to settle) to time the node without it in the same stretch.
 */
export interface Flood {
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/**
 * Floods `fn` on the node at `url` from a child process while `measure`
 * runs (once the flood is under way), and returns both.
 *
 * @example
 * ```ts ignore
 * const { flood, measured } = await whileFlooding(url, "flood", "100000", 64, async (flood) => {
 *   await flood.pause();
 *   const alone = await closedLoop(...);
 *   await flood.resume();
 *   return { alone, beside: await closedLoop(...) };
 * }, { nice: 19 });
 * ```
 */
export async function whileFlooding<T>(
  url: string,
  fn: string,
  body: string,
  clients: number,
  measure: (flood: Flood) => Promise<T>,
  options: FloodOptions = {},
): Promise<{ flood: FloodCounts; measured: T }> {
  const flood = [
    Deno.execPath(),
    "run",
    "-A",
    import.meta.filename!,
    url,
    fn,
    body,
    String(clients),
  ];
  const command = options.nice === undefined
    ? flood
    : ["nice", "-n", String(options.nice), ...flood];
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let out = "";
  let measured: T;
  let paused = false;
  const control: Flood = {
    async pause() {
      if (paused) return;
      child.kill("SIGSTOP");
      paused = true;
      await new Promise((r) => setTimeout(r, SETTLE_MS));
    },
    async resume() {
      if (!paused) return;
      child.kill("SIGCONT");
      paused = false;
      await new Promise((r) => setTimeout(r, RESUME_MS));
    },
  };
  try {
    while (!out.includes("flooding\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`the flood ended before it started: ${out}`);
      out += value;
    }
    measured = await measure(control);
    await control.resume();
  } catch (error) {
    // Not left flooding the node while the benchmark reports its error.
    child.kill("SIGKILL");
    await child.status;
    throw error;
  }
  await child.stdin.close();
  for (;;) {
    const { value, done } = await lines.read();
    if (done) break;
    out += value;
  }
  await child.status;
  const last = out.trim().split("\n").at(-1)!;
  return { flood: JSON.parse(last) as FloodCounts, measured };
}

if (import.meta.main) {
  const [url, fn, body, clients] = Deno.args;
  const counts: FloodCounts = { admitted: 0, refused: 0, other: 0 };
  let flooding = true;
  let answered = 0;
  const started = Promise.withResolvers<void>();
  const loops = Array.from({ length: Number(clients) }, async () => {
    let first = true;
    while (flooding) {
      const res = await fetch(`${url}/invoke/${fn}`, { method: "POST", body });
      const text = await res.text();
      if (res.ok) counts.admitted++;
      else if (res.status === 503 && text.includes('"overloaded"')) {
        counts.refused++;
      } else counts.other++;
      if (first && ++answered === Number(clients)) started.resolve();
      first = false;
    }
  });
  await started.promise;
  console.log("flooding");
  for await (const _ of Deno.stdin.readable) { /* until it closes */ }
  flooding = false;
  await Promise.all(loops);
  console.log(JSON.stringify(counts));
}
