/**
 * Keeps the benchmark harness from rotting: every experiment at its tiny
 * scale (one 1 KB payload, one rate, a handful of iterations, density with
 * 10 functions), against real nodes and a real redis-server, then the
 * report. The figures are not judged, only that each experiment ran, its
 * checks held and the report came out.
 */
import assert from "node:assert/strict";
import { ensureRedisServer } from "../../bench/_redis.ts";
import { EXPERIMENTS, runBenchmarks } from "../../bench/run.ts";

// Installs redis-server when missing and allowed (root with apt).
const missing = await ensureRedisServer();

Deno.test({
  name: missing
    ? `bench harness at tiny scale (ignored: ${missing})`
    : "bench harness at tiny scale: every experiment runs and the report is written",
  ignore: missing !== undefined,
  // Nodes, redis-server and HTTP clients come and go inside the experiments.
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "eddy-bench-test-" });
    try {
      const names = Object.keys(EXPERIMENTS);
      const seconds = await runBenchmarks("tiny", names, dir);
      assert.ok(seconds < 60, `the tiny run took ${seconds} s`);
      for (const name of names) {
        const envelope = JSON.parse(
          await Deno.readTextFile(`${dir}/${name}.json`),
        );
        assert.equal(envelope.benchmark, name);
        assert.equal(envelope.scale, "tiny");
        assert.ok(envelope.machine.cores > 0);
      }
      const exchange =
        JSON.parse(await Deno.readTextFile(`${dir}/exchange.json`))
          .results;
      for (const system of ["memory", "unix", "http2", "redis", "http1"]) {
        const cell = exchange.rows[system]["1KB"];
        assert.ok(cell.latencyMs.p50 > 0, system);
        assert.ok(cell.throughput.completed > 0, system);
      }
      const density = JSON.parse(await Deno.readTextFile(`${dir}/density.json`))
        .results;
      assert.equal(density.deployed.functions, 10);
      assert.equal(density.inFlight.completed, density.inFlight.instances);
      const workflows = JSON.parse(
        await Deno.readTextFile(`${dir}/workflows.json`),
      ).results;
      for (const system of ["dataflow", "controlflow"]) {
        const [step] = workflows.rates[system];
        assert.ok(step.completed > 0 && step.errors === 0, system);
      }
      const report = await Deno.readTextFile(`${dir}/REPORT.md`);
      for (
        const heading of [
          "## Targets",
          "## 1. Inter-function data exchange",
          "## 2. Sandbox start-up",
          "## 3. Workflows",
          "## 4. Floors",
          "## Analysis",
        ]
      ) {
        assert.ok(report.includes(heading), heading);
      }
      const svg = await Deno.readTextFile(`${dir}/exchange_latency_p50.svg`);
      assert.ok(svg.startsWith("<svg") && svg.endsWith("</svg>\n"));
      assert.ok(svg.includes("<circle"), "the plot has points");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
