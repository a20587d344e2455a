import assert from "node:assert/strict";
import { ModuleError } from "../../../runtime/errors.ts";
import {
  ALLOWED_IMPORTS,
  describeModule,
  digestOf,
  inspectModule,
} from "../../../runtime/module/mod.ts";
import { wat } from "../../_helpers/wat.ts";
import { caught, guest } from "../../_helpers/module_guest.ts";
import { statusOf } from "../../../api/status.ts";

async function problemsOf(bytes: Uint8Array<ArrayBuffer>): Promise<string[]> {
  const error = await caught(() => inspectModule(bytes));
  assert.ok(error instanceof ModuleError, String(error));
  assert.equal(error.code, "invalid_module");
  assert.equal(statusOf(error), 400);
  assert.equal(error.message, `invalid module: ${error.problems.join("; ")}`);
  assert.deepEqual(error.details.problems, error.problems);
  return error.problems;
}

function module(body: string): Uint8Array<ArrayBuffer> {
  return wat(`(module ${body})`) as Uint8Array<ArrayBuffer>;
}

const GOOD_EXPORTS = `(memory (export "memory") 1) (func (export "_start"))`;

Deno.test("inspectModule describes a valid module and compiles it", async () => {
  const bytes = guest({ initialPages: 2, maxPages: 8 });
  const { info, module } = await inspectModule(bytes);
  assert.deepEqual(info, {
    digest: await digestOf(bytes),
    size: bytes.length,
    imports: [{
      module: "wasi_snapshot_preview1",
      name: "fd_write",
      kind: "function",
    }],
    exports: [
      { name: "memory", kind: "memory" },
      { name: "_start", kind: "function" },
      { name: "grow", kind: "function" },
      { name: "peek", kind: "function" },
    ],
    memory: { initialPages: 2, maxPages: 8 },
  });
  assert.ok(module instanceof WebAssembly.Module);
  assert.deepEqual(describeModule(bytes, module, info.digest), info);
});

Deno.test("inspectModule accepts every WASI preview1 function eddy provides", async () => {
  const names = [...ALLOWED_IMPORTS.get("wasi_snapshot_preview1")!];
  assert.equal(names.length, 46);
  const imports = names.map((name) =>
    `(import "wasi_snapshot_preview1" "${name}" (func))`
  ).join(" ");
  const { info } = await inspectModule(module(`${imports} ${GOOD_EXPORTS}`));
  assert.equal(info.imports.length, 46);
});

Deno.test("inspectModule refuses bytes that are not WebAssembly, with V8's message", async () => {
  const problems = await problemsOf(
    new TextEncoder().encode("#!/bin/sh\necho hi\n"),
  );
  assert.equal(problems.length, 1);
  assert.match(
    problems[0],
    /^not a WebAssembly module: WebAssembly\.compile\(\): expected magic word 00 61 73 6d, found 23 21 2f 62 @\+0$/,
  );
});

Deno.test("inspectModule refuses a malformed module, with V8's message", async () => {
  const bytes = guest();
  const problems = await problemsOf(bytes.slice(0, bytes.length - 3));
  assert.equal(problems.length, 1);
  assert.match(
    problems[0],
    /^malformed module: WebAssembly\.compile\(\): .+@\+\d+$/,
  );
});

Deno.test("inspectModule requires _start and memory exports", async () => {
  assert.deepEqual(await problemsOf(module(`(memory 1) (func)`)), [
    "missing export '_start' (a function)",
    "missing export 'memory' (a memory)",
  ]);
});

Deno.test("inspectModule requires _start to be a function and memory a memory", async () => {
  const bytes = module(`
    (memory (export "_start") 1)
    (func (export "memory"))`);
  assert.deepEqual(await problemsOf(bytes), [
    "export '_start' must be a function, not a memory",
    "export 'memory' must be a memory, not a function",
  ]);
});

Deno.test("inspectModule lists every import problem at once", async () => {
  const bytes = module(`
    (import "env" "abort" (func))
    (import "wasi_snapshot_preview1" "fd_frobnicate" (func))
    (import "wasi_snapshot_preview1" "fd_write" (global i32))
    (import "eddy" "teleport" (func))
    (import "wasi_unstable" "fd_read" (func))
    (func (export "_start"))
    (memory (export "memory") 1)`);
  assert.deepEqual(await problemsOf(bytes), [
    "imports env.abort from module 'env', which eddy does not provide (it provides wasi_snapshot_preview1, eddy)",
    "imports unknown function wasi_snapshot_preview1.fd_frobnicate",
    "imports wasi_snapshot_preview1.fd_write as a global; eddy provides it as a function",
    "imports unknown function eddy.teleport",
    "imports wasi_unstable.fd_read from module 'wasi_unstable', which eddy does not provide (it provides wasi_snapshot_preview1, eddy)",
  ]);
});

Deno.test("inspectModule refuses an imported memory", async () => {
  const bytes = module(`
    (import "env" "memory" (memory 1))
    (export "memory" (memory 0))
    (func (export "_start"))`);
  assert.deepEqual(await problemsOf(bytes), [
    "imports its memory (env.memory); a function must define its own",
  ]);
});

Deno.test("inspectModule refuses shared and 64-bit memories", async () => {
  // (module (memory (export "memory") <flags> ...) (func (export "_start"))) by hand:
  // wabt here is not built with the threads and memory64 features.
  const build = (memory: number[]) =>
    new Uint8Array([
      0,
      97,
      115,
      109,
      1,
      0,
      0,
      0,
      1,
      4,
      1,
      0x60,
      0,
      0, // type section: () -> ()
      3,
      2,
      1,
      0, // function section
      5,
      memory.length,
      ...memory,
      7,
      19,
      2,
      6,
      ...new TextEncoder().encode("memory"),
      2,
      0,
      6,
      ...new TextEncoder().encode("_start"),
      0,
      0, // export section
      10,
      4,
      1,
      2,
      0,
      0x0b, // code section
    ]);
  assert.deepEqual(await problemsOf(build([1, 0x03, 1, 2])), [
    "memory is shared (threads); eddy supports unshared memory",
  ]);
  assert.deepEqual(await problemsOf(build([1, 0x04, 1])), [
    "memory is 64-bit (memory64); eddy supports 32-bit memory",
  ]);
  // The same builder with a plain memory is accepted, so only the flags differ.
  await inspectModule(build([1, 0x00, 1]));
});

Deno.test("inspectModule refuses code it could not stop at a deadline, and says which", async () => {
  const looping = module(
    `${GOOD_EXPORTS.replace('(func (export "_start"))', "")}
     (func (export "_start") (nop) (drop (i32.const 0)) (nop) (loop $l (br $l)))`,
  );
  await inspectModule(looping);
  // The three leading instructions become `(drop (ref.i31 (i32.const 0)))`:
  // GC, which the interrupt rewrite cannot step over.
  const gc = looping.slice();
  const at = gc.findIndex((_, i) =>
    [0x01, 0x41, 0x00, 0x1a, 0x01].every((b, j) => gc[i + j] === b)
  );
  gc.set([0x41, 0x00, 0xfb, 0x1c, 0x1a], at);
  assert.ok(WebAssembly.validate(gc));
  const [problem, ...more] = await problemsOf(gc);
  assert.deepEqual(more, []);
  assert.match(
    problem,
    /^its code cannot be given deadline checks \(unsupported opcode 0xfb: /,
  );
  assert.match(problem, /a run past its timeout could not be stopped$/);
});

Deno.test("inspectModule lists export, import and memory problems together", async () => {
  // (module (import "env" "f" (func)) (memory 1) (memory 1)) by hand: wabt
  // here refuses a second memory, V8 (multi-memory) compiles it.
  const text = new TextEncoder();
  const bytes = new Uint8Array([
    ...[0, 97, 115, 109, 1, 0, 0, 0],
    ...[1, 4, 1, 0x60, 0, 0], // type section: () -> ()
    ...[2, 9, 1, 3, ...text.encode("env"), 1, ...text.encode("f"), 0, 0],
    ...[5, 5, 2, 0, 1, 0, 1], // two memories of one page
  ]);
  const problems = await problemsOf(bytes);
  assert.deepEqual(problems, [
    "missing export '_start' (a function)",
    "missing export 'memory' (a memory)",
    "imports env.f from module 'env', which eddy does not provide (it provides wasi_snapshot_preview1, eddy)",
    "defines 2 memories; eddy supports exactly one",
  ]);
  const error = await caught(() => inspectModule(bytes)) as ModuleError;
  assert.equal(error.details.digest, await digestOf(bytes));
});
