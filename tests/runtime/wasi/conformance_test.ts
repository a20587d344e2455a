/**
 * The official WASI preview1 conformance suite (../shared/wasi-testsuite,
 * 72 prebuilt cases of github.com/WebAssembly/wasi-testsuite), run as its
 * README says: argv, env, the case's `root` copied fresh and preopened
 * read-write as `/`, exit code and stdout checked. Each case runs through
 * `runGuest`, the function `eddy run` calls, in this process.
 */
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runGuest } from "../../../runtime/executor/mod.ts";
import type { Preopen } from "../../../runtime/wasi/mod.ts";
import { tempDir } from "../../_helpers/temp.ts";

const SUITE = fileURLToPath(
  new URL("../../../../shared/wasi-testsuite/", import.meta.url),
);
const GROUPS = ["assemblyscript", "c", "rust"];
const EXPECTED_CASES = 72;

interface CaseSpec {
  args?: string[];
  env?: Record<string, string>;
  root?: string;
  exit_code?: number;
  stdout?: string;
}

function cases(): { group: string; name: string }[] {
  try {
    Deno.statSync(SUITE);
  } catch {
    throw new Error(`the WASI test suite is missing: expected it at ${SUITE}`);
  }
  const found = [];
  for (const group of GROUPS) {
    for (const entry of Deno.readDirSync(`${SUITE}${group}`)) {
      if (entry.name.endsWith(".wasm")) {
        found.push({ group, name: entry.name.slice(0, -".wasm".length) });
      }
    }
  }
  return found.sort((a, b) =>
    `${a.group}/${a.name}`.localeCompare(`${b.group}/${b.name}`)
  );
}

function specOf(group: string, name: string): CaseSpec {
  try {
    return JSON.parse(Deno.readTextFileSync(`${SUITE}${group}/${name}.json`));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw e;
  }
}

async function runCase(group: string, name: string): Promise<void> {
  const spec = specOf(group, name);
  const module = await WebAssembly.compile(
    await Deno.readFile(`${SUITE}${group}/${name}.wasm`),
  );
  const scratch = await tempDir({ prefix: "eddy_wasi_suite_" });
  try {
    const preopens: Preopen[] = [];
    if (spec.root !== undefined) {
      const root = `${scratch}/root`;
      cpSync(`${SUITE}${group}/${spec.root}`, root, {
        recursive: true,
        verbatimSymlinks: true,
      });
      preopens.push({ hostPath: root, guestPath: "/", writable: true });
    }
    const result = await runGuest({ module }, {
      fn: name,
      args: [`${name}.wasm`, ...(spec.args ?? [])],
      env: spec.env ?? {},
      preopens,
      timeoutMs: Infinity,
      maxMemoryBytes: Infinity,
      maxOutputBytes: Infinity,
    });
    const context = `${group}/${name}: ${
      result.failure?.message ?? ""
    }\n${result.stderr}`;
    assert.equal(result.exitCode, spec.exit_code ?? 0, context);
    if (spec.stdout !== undefined) {
      assert.equal(
        new TextDecoder().decode(result.stdout),
        spec.stdout,
        context,
      );
    }
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

Deno.test("the WASI preview1 conformance suite passes, all 72 cases", async (t) => {
  const all = cases();
  assert.equal(
    all.length,
    EXPECTED_CASES,
    `expected the suite's ${EXPECTED_CASES} cases at ${SUITE}`,
  );
  const failed: string[] = [];
  for (const { group, name } of all) {
    const ok = await t.step(`${group}/${name}`, () => runCase(group, name));
    if (!ok) failed.push(`${group}/${name}`);
  }
  assert.deepEqual(failed, [], `${failed.length} of ${all.length} failed`);
});
