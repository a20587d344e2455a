/**
 * The control-flow baseline of the workflow experiment: an orchestrator
 * that runs A → {B, C} → D by calling each step through eddy's
 * `/invoke/:name` only once the steps before it have finished, and passes
 * every intermediate result through Redis (SET after each step, GET before
 * the next), as control-flow FaaS workflows persist intermediates in a
 * remote store. B and C run in parallel (the fair choice: eddy's data flow
 * runs them in parallel too). The workflow's input goes straight to A and
 * D's output straight back, with no store round trip.
 *
 * `deno run -A bench/_orchestrator.ts EDDY_URL REDIS_PORT A B C D` serves
 * `POST /run` (body: the input; answer: D's output) on a free loopback port
 * and prints `listening on http://...`.
 *
 * @module
 */
import { connectRedis, getBytes, setBytes } from "./_redis.ts";

const [eddy, redisPort, ...steps] = Deno.args;
const [stepA, stepB, stepC, stepD] = steps;
const client = await connectRedis(Number(redisPort), 5000);
let runs = 0;

async function invoke(fn: string, input: Uint8Array): Promise<Uint8Array> {
  const res = await fetch(`${eddy}/invoke/${fn}`, {
    method: "POST",
    body: input as Uint8Array<ArrayBuffer>,
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) {
    throw new Error(`${fn}: ${res.status} ${new TextDecoder().decode(bytes)}`);
  }
  return bytes;
}

/** Runs the step `fn` on what is stored at `from` and stores its output. */
async function step(fn: string, from: string, to: string): Promise<void> {
  await setBytes(client, to, await invoke(fn, await getBytes(client, from)));
}

async function run(input: Uint8Array): Promise<Uint8Array> {
  const key = `wf:${runs++}`;
  await setBytes(client, `${key}:a`, await invoke(stepA, input));
  await Promise.all([
    step(stepB, `${key}:a`, `${key}:b`),
    step(stepC, `${key}:a`, `${key}:c`),
  ]);
  const [b, c] = await Promise.all([
    getBytes(client, `${key}:b`),
    getBytes(client, `${key}:c`),
  ]);
  const joined = new Uint8Array(b.byteLength + c.byteLength);
  joined.set(b);
  joined.set(c, b.byteLength);
  const output = await invoke(stepD, joined);
  // The run is over: its intermediates go (not part of its latency).
  client.del([`${key}:a`, `${key}:b`, `${key}:c`]).catch(() => {});
  return output;
}

Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`),
}, async (req) => {
  try {
    const output = await run(await req.bytes());
    return new Response(output as Uint8Array<ArrayBuffer>);
  } catch (error) {
    return new Response(String(error), { status: 500 });
  }
});
