/**
 * The single-file bundle as a node on NATS (`serve --nats`): its guests'
 * state goes through JetStream, two executor workers share the node's one
 * NATS connection, and concurrent compare-and-swaps still count exactly.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { bundle, putModule, startServe } from "../../scripts/mod.ts";
import { confinedBundle } from "../_helpers/bundled.ts";
import { NATS_MISSING, startNats } from "../_helpers/nats.ts";
import { tempDir } from "../_helpers/temp.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const enc = new TextEncoder();

/** Invokes `fn` with `args`; its output, or a failure naming the status. */
async function invoke(url: string, fn: string, input: string, args: string[]) {
  const query = args.map((a) => `arg=${encodeURIComponent(a)}`).join("&");
  const res = await fetch(`${url}/invoke/${fn}?${query}`, {
    method: "POST",
    body: enc.encode(input),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return text;
}

Deno.test({
  name:
    "the bundle on NATS: guests' state goes through JetStream, two workers share one connection, 40 concurrent kv_cas count exactly",
  ignore: NATS_MISSING !== undefined,
  async fn() {
    const tmp = await tempDir({ prefix: "eddy-bundle-nats-" });
    try {
      const file = `${tmp}/bin/eddy.js`;
      await bundle(file);
      await using hub = await startNats({ domain: "cloud", hub: true });
      await Deno.mkdir(`${tmp}/cwd`);
      await using node = await startServe(
        Deno.execPath(),
        confinedBundle(tmp, file, [
          "--workers",
          "2",
          "--node-id",
          "b1",
          "--nats",
          hub.url,
          "--nats-domain",
          "cloud",
        ]),
        { cwd: `${tmp}/cwd` },
      );

      const counter = await putModule(
        node.url,
        await Deno.readFile(`${ROOT}examples/counter/counter.wasm`),
      );
      const notes = await putModule(
        node.url,
        await Deno.readFile(`${ROOT}examples/notes/notes.wasm`),
      );
      const applied = await fetch(`${node.url}/v1/manifests`, {
        method: "POST",
        headers: { "content-type": "application/yaml" },
        body: `functions:
  - { name: counter, module: "${counter}", state: [{ bucket: counters, mount: /counters }] }
  - { name: notes, module: "${notes}", state: [{ bucket: notes, mount: /data }] }
`,
      });
      assert.equal(applied.status, 200, await applied.text());

      const counts = await Promise.all(
        Array.from(
          { length: 40 },
          async () => Number(await invoke(node.url, "counter", "", ["hits"])),
        ),
      );
      assert.deepEqual(
        counts.sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      // A file a guest closed is a put on JetStream; one put over the API
      // is a file the guest reads.
      await invoke(node.url, "notes", "from a guest", ["put", "memo"]);
      const put = await fetch(`${node.url}/v1/kv/notes/todo`, {
        method: "PUT",
        headers: { "content-type": "application/octet-stream" },
        body: "from the API",
      });
      assert.equal(put.status < 300, true, await put.text());
      assert.equal(
        await invoke(node.url, "notes", "", ["get", "todo"]),
        "from the API",
      );

      // One connection for the whole node process, workers included.
      const connz = await (await fetch(`${hub.monitorUrl}/connz`)).json();
      assert.equal(connz.num_connections, 1, JSON.stringify(connz.connections));
      const nc = await connect({ servers: hub.url });
      try {
        const js = jetstream(nc);
        const hits = await (await new Kvm(js).open("counters")).get("hits");
        assert.equal(hits?.string(), "40");
        const memo = await (await new Kvm(js).open("notes")).get("memo");
        assert.equal(memo?.string(), "from a guest");
      } finally {
        await nc.close();
      }

      assert.equal(await node.stop(), 0, node.stderr());
      assert.doesNotMatch(node.stderr(), /error|state_unavailable/i);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
