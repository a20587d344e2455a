/**
 * The report writer on the results the standalone scripts wrote (footprint,
 * preempt, admission) and density's: their sections and issue 11's targets
 * come out (the verdicts themselves: bench/_issue11_test.ts). No benchmark
 * runs: the JSON in bench/results is the fixture.
 */
import assert from "node:assert/strict";
import type { AdmissionResults } from "../../bench/admission.ts";
import { writeReport } from "../../bench/report.ts";
import { tempDir } from "../_helpers/temp.ts";

const RESULTS = new URL("../../bench/results/", import.meta.url);
const NAMES = ["footprint", "preempt", "admission", "density"];

async function fixture<T>(name: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(new URL(`${name}.json`, RESULTS)));
}

Deno.test("the report has a section per standalone script and issue 11's targets", async () => {
  const dir = await tempDir({ prefix: "eddy-report-test-" });
  for (const name of NAMES) {
    await Deno.copyFile(
      new URL(`${name}.json`, RESULTS),
      `${dir}/${name}.json`,
    );
  }
  await writeReport(dir);
  const report = await Deno.readTextFile(`${dir}/REPORT.md`);
  for (
    const heading of [
      "## Targets",
      "### Issue 11: many guests on few workers, density at scale",
      "## A node at rest and its start (footprint)",
      "## Guests that sleep, run away or run long (preempt, issue 11)",
      "## Admission under bursts and floods (admission, issue 11)",
    ]
  ) {
    assert.ok(report.includes(`\n${heading}\n`), heading);
  }
  // Standalone scripts record no wall time.
  for (const name of ["footprint", "preempt", "admission"]) {
    assert.match(
      report,
      new RegExp(`\\| \\[${name}\\]\\(${name}\\.json\\) \\| \\w+ \\| – \\|`),
    );
  }
  const admission = await fixture<AdmissionResults>("admission");
  const issue11 = report.slice(report.indexOf("### Issue 11"));
  const rows = issue11.slice(0, issue11.indexOf("\n## ")).split("\n")
    .filter((line) =>
      /\| (\*\*met\*\*|\*\*missed\*\*|not measured) \|$/.test(line)
    );
  // Sleepers, 6 per admission node, 3 for distinct modules.
  assert.equal(rows.length, 1 + 6 * admission.runs.length + 3);
});
