import assert from "node:assert/strict";
import { Metrics } from "../../node/metrics.ts";

Deno.test("metrics render counters, errors by reason and a cumulative histogram", () => {
  const m = new Metrics();
  m.record("echo", 0.00003);
  m.record("echo", 0.003);
  m.record("fail", 0.2, "exit");
  m.addGauges(() => ({ eddy_things: { help: "Things.", value: 3 } }));
  const text = m.render();
  assert.match(text, /eddy_invocations_total\{function="echo"\} 2/);
  assert.match(
    text,
    /eddy_invocation_errors_total\{function="fail",reason="exit"\} 1/,
  );
  assert.match(
    text,
    /eddy_invocation_duration_seconds_bucket\{function="echo",le="0.0001"\} 1/,
  );
  assert.match(
    text,
    /eddy_invocation_duration_seconds_bucket\{function="echo",le="0.005"\} 2/,
  );
  assert.match(
    text,
    /eddy_invocation_duration_seconds_bucket\{function="echo",le="\+Inf"\} 2/,
  );
  assert.match(
    text,
    /eddy_invocation_duration_seconds_count\{function="fail"\} 1/,
  );
  assert.match(text, /# TYPE eddy_things gauge\neddy_things 3/);
});

Deno.test("label values are escaped", () => {
  const m = new Metrics();
  m.record('we"ird', 0.001);
  assert.match(m.render(), /function="we\\"ird"/);
});
