/**
 * Floors for the HTTP benchmark, on one Deno.serve: `GET /` answers "hello",
 * `POST /` echoes the body, and `POST /worker` echoes it through a Deno
 * worker (one postMessage round trip, the hop every eddy invocation makes).
 * `deno run -A bench/_hello_server.ts PORT`.
 */
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
Deno.serve({
  port,
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`),
}, async (req) => {
  if (req.method !== "POST") return new Response("hello");
  const body = await req.arrayBuffer();
  if (new URL(req.url).pathname !== "/worker") return new Response(body);
  const id = next++;
  const echoed = new Promise<ArrayBuffer>((r) => pending.set(id, r));
  workers[id % workers.length].postMessage({ id, body }, [body]);
  return new Response(await echoed);
});
