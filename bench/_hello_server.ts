/**
 * Floors for the HTTP benchmark, on one Deno.serve: `GET /` answers "hello",
 * `POST /` echoes the body, `POST /worker` echoes it through a Deno worker
 * (one postMessage round trip, the hop eddy's invocations made before the
 * ring) and `POST /ring` through a worker's ring in shared memory (the hop
 * they make now, bench/_ring_hop.ts); two workers each.
 * `deno run -A bench/_hello_server.ts PORT`.
 */
import { RingHop } from "./_ring_hop.ts";

const port = Number(Deno.args[0] ?? 0);
const workerSource = `self.onmessage = (e) => {
  self.postMessage(e.data, [e.data.body]);
};`;
const workers = [0, 1].map(() =>
  new Worker(
    URL.createObjectURL(
      new Blob([workerSource], { type: "application/javascript" }),
    ),
    { type: "module" },
  )
);
const pending = new Map<number, (body: ArrayBuffer) => void>();
let next = 0;
for (const worker of workers) {
  worker.onmessage = (e) => {
    pending.get(e.data.id)!(e.data.body);
    pending.delete(e.data.id);
  };
}
const rings = [0, 1].map(() =>
  new RingHop(
    new Worker(new URL("./_ring_echo_worker.ts", import.meta.url), {
      type: "module",
    }),
  )
);
Deno.serve({
  port,
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`),
}, async (req) => {
  if (req.method !== "POST") return new Response("hello");
  const body = await req.arrayBuffer();
  const path = new URL(req.url).pathname;
  if (path === "/ring") {
    const ring = rings[0].inFlight <= rings[1].inFlight ? rings[0] : rings[1];
    return new Response(await ring.echo(new Uint8Array(body)));
  }
  if (path !== "/worker") return new Response(body);
  const id = next++;
  const echoed = new Promise<ArrayBuffer>((r) => pending.set(id, r));
  workers[id % workers.length].postMessage({ id, body }, [body]);
  return new Response(await echoed);
});
