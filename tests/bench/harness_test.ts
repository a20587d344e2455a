/**
 * Keeps the benchmark harness from rotting: every experiment at its tiny
 * scale (one 1 KB payload, one rate, a handful of iterations, density with
 * 10 functions), against real nodes and a real redis-server, then the
 * report. The figures are not judged, only that each experiment ran, its
 * checks held and the report came out. The peers (workerd, wasmtime) are
 * checked when already installed (`deno task bench:peers`); this test
 * installs nothing (`.ci/run` does).
 */
import assert from "node:assert/strict";
import { findWasmtimeHarness, findWorkerd } from "../../bench/peers.ts";
import {
  ensureRedisServer,
  EXPERIMENTS,
  runBenchmarks,
} from "../../bench/run.ts";
import { tempDir } from "../_helpers/temp.ts";

const missing = await ensureRedisServer({ install: false });
const workerd = await findWorkerd({ install: false });
// Builds the C harness (not an install) when libwasmtime.so is there.
const wasmtime = await findWasmtimeHarness({ install: false });

Deno.test({
  name: missing
    ? `bench harness at tiny scale (ignored: ${missing})`
    : "bench harness at tiny scale: every experiment runs and the report is written",
  ignore: missing !== undefined,
  // Nodes, redis-server and HTTP clients come and go inside the experiments.
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const dir = await tempDir({ prefix: "eddy-bench-test-" });
    try {
      const names = Object.keys(EXPERIMENTS);
      const seconds = await runBenchmarks("tiny", names, dir, {
        install: false,
      });
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
      // Every distinct module and sha256 variant ran, and stayed compiled.
      assert.equal(
        density.distinct.invokedOnce.compiledMain,
        density.distinct.modules + density.distinct.larger.cold.n,
      );
      const workflows = JSON.parse(
        await Deno.readTextFile(`${dir}/workflows.json`),
      ).results;
      for (const system of ["dataflow", "controlflow"]) {
        const [step] = workflows.rates[system];
        assert.ok(step.completed > 0 && step.errors === 0, system);
      }
      const serving = JSON.parse(
        await Deno.readTextFile(`${dir}/serving.json`),
      ).results.sideBySide;
      for (
        const server of [
          "eddy",
          "Deno.serve echo",
          "Deno.serve echo via a worker",
          "Deno.serve echo via a ring",
        ]
      ) {
        const row = serving.rows[server];
        assert.ok(row.requestsPerSecond > 0 && row.rssMB > 0, server);
        assert.equal(row.errors, 0, server);
      }
      await t.step({
        name: "missing" in workerd
          ? `workerd beside eddy (ignored: ${workerd.missing})`
          : "workerd serves echo.wasm in three variants beside eddy",
        ignore: "missing" in workerd,
        fn() {
          for (const variant of ["fresh", "recycled", "reused"]) {
            const row = serving.rows[`workerd ${variant}`];
            assert.ok(row.requestsPerSecond > 0, variant);
            assert.equal(row.errors, 0, variant);
            assert.ok(serving.eddyRatio[`workerd ${variant}`] > 0, variant);
          }
        },
      });
      const startup = JSON.parse(
        await Deno.readTextFile(`${dir}/startup.json`),
      ).results;
      // Every kind of in-process start-up timed as often as asked.
      for (
        const kind of [
          "invokeEcho1KB",
          "floorInstanceFreshMemory",
          "floorInstanceRecycledMemory",
        ]
      ) {
        assert.ok(startup[kind].p50 > 0 && startup[kind].n === 200, kind);
      }
      // A whole node's start, from source and bundled, to a real answer.
      for (const way of ["fromSource", "bundled"]) {
        assert.ok(startup.process[way].p50 > 0, way);
      }
      await t.step({
        name: "missing" in wasmtime
          ? `wasmtime beside eddy (ignored: ${wasmtime.missing})`
          : "wasmtime's C harness runs echo beside eddy",
        ignore: "missing" in wasmtime,
        fn() {
          for (const linker of ["wasiPooling", "minimalHostPooling"]) {
            const figures = startup.wasmtime[linker];
            assert.ok(figures.p50 > 0 && figures.n === 200, linker);
          }
        },
      });
      const report = await Deno.readTextFile(`${dir}/REPORT.md`);
      for (
        const heading of [
          "## Targets",
          "### Issue 11",
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
