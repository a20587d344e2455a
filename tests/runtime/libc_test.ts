import assert from "node:assert/strict";
import { openLibc } from "../../runtime/libc.ts";

Deno.test("openLibc gives the symbols asked for", () => {
  const libc = openLibc({ getpid: { parameters: [], result: "i32" } });
  assert.notEqual(typeof libc, "string");
  assert.equal((libc as { getpid(): number }).getpid(), Deno.pid);
});

Deno.test("openLibc says why when FFI is not permitted", async () => {
  const url = new URL("../../runtime/libc.ts", import.meta.url).href;
  const code = `import { openLibc } from "${url}";
    console.log(openLibc({ getpid: { parameters: [], result: "i32" } }));`;
  // `deno run -` reads the script from stdin; no --allow-ffi.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--allow-read", "-"],
    stdin: "piped",
    stdout: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(code));
  await writer.close();
  const { stdout, success } = await child.output();
  assert.ok(success);
  assert.equal(
    new TextDecoder().decode(stdout).trim(),
    "FFI is not permitted (run deno with --allow-ffi)",
  );
});
