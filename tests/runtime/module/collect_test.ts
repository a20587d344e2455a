import assert from "node:assert/strict";
import { collectGarbage } from "../../../runtime/module/collect.ts";

/** Lets the job that dropped the last reference end: a WeakRef holds its target until then. */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("collectGarbage frees a dropped module that has lived through collections", async () => {
  const bytes = await Deno.readFile("examples/echo/echo.wasm");
  let module: WebAssembly.Module | undefined = new WebAssembly.Module(bytes);
  const ref = new WeakRef(module);
  // Two collections move it to the old generation, which a scavenge (all a
  // prompted collection often gets) never frees.
  await collectGarbage();
  await collectGarbage();
  await nextTask();
  assert.ok(ref.deref(), "a module still referenced is kept");
  module = undefined;
  await nextTask();
  await collectGarbage();
  assert.equal(ref.deref(), undefined);
});
