/**
 * Floors for the HTTP benchmark: a bare Deno.serve answering "hello" (GET)
 * and echoing the body (POST). `deno run -A bench/_hello_server.ts PORT`.
 */
const port = Number(Deno.args[0] ?? 0);
Deno.serve(
  {
    port,
    hostname: "127.0.0.1",
    onListen: ({ port }) =>
      console.log(`listening on http://127.0.0.1:${port}`),
  },
  async (req) =>
    req.method === "POST"
      ? new Response(await req.bytes())
      : new Response("hello"),
);
