import assert from "node:assert/strict";
import { Errno, WASI_FUNCTIONS, WasiHost } from "../../../runtime/wasi/mod.ts";
import { compile, withGuest } from "./_guest.ts";
import { SPEC } from "./_spec.ts";

Deno.test("WASI_FUNCTIONS names all 46 preview1 functions", () => {
  assert.deepEqual(Object.keys(SPEC).length, 46);
  assert.deepEqual([...WASI_FUNCTIONS].sort(), Object.keys(SPEC).sort());
  const imports = new WasiHost().imports.wasi_snapshot_preview1;
  assert.deepEqual(Object.keys(imports).sort(), Object.keys(SPEC).sort());
  for (const fn of Object.values(imports)) {
    assert.deepEqual(typeof fn, "function");
  }
});

Deno.test("a module importing every preview1 function links and runs", () => {
  const decls = Object.entries(SPEC).map(([name, sig]) =>
    `(import "wasi_snapshot_preview1" "${name}" (func $${name} ${sig}))`
  ).join("\n");
  const module = compile(`(module ${decls}
    (memory (export "memory") 1)
    (func (export "_start") (drop (call $sched_yield))))`);
  const host = new WasiHost();
  assert.deepEqual(
    host.start(new WebAssembly.Instance(module, host.imports)),
    0,
  );
});

Deno.test("unsupported calls answer ENOSYS; socket calls EBADF or ENOTSOCK", () => {
  withGuest({}, (g) => {
    assert.deepEqual(g.call("proc_raise", 9), Errno.ENOSYS);
    assert.deepEqual(g.call("sock_accept", 3, 0, 0), Errno.EBADF);
    assert.deepEqual(g.call("sock_recv", 3, 0, 0, 0, 0, 0), Errno.EBADF);
    assert.deepEqual(g.call("sock_send", 1, 0, 0, 0, 0), Errno.ENOTSOCK);
    assert.deepEqual(g.call("sock_shutdown", 0, 0), Errno.ENOTSOCK);
    assert.deepEqual(g.call("sched_yield"), Errno.ESUCCESS);
  });
});

Deno.test("errno values are the spec's", () => {
  assert.deepEqual(
    [
      Errno.ESUCCESS,
      Errno.EACCES,
      Errno.EBADF,
      Errno.EEXIST,
      Errno.EFAULT,
      Errno.EINVAL,
      Errno.EIO,
      Errno.EISDIR,
      Errno.ELOOP,
      Errno.ENOENT,
      Errno.ENOSYS,
      Errno.ENOTDIR,
      Errno.ENOTEMPTY,
      Errno.EPERM,
      Errno.ESPIPE,
      Errno.ENOTCAPABLE,
    ],
    [0, 2, 8, 20, 21, 28, 29, 31, 32, 44, 52, 54, 55, 63, 70, 76],
  );
});
