import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, REPO_ROOT, sha256, startNode } from "../_helpers/node_process.ts";
import { tempDir } from "../_helpers/temp.ts";

Deno.test("every command has --help", async () => {
  for (
    const command of [
      "serve",
      "run",
      "deploy",
      "invoke",
      "ls",
      "rm",
      "workflow",
      "kv",
    ]
  ) {
    const { code, stdoutText } = await cli([command, "--help"]);
    assert.equal(code, 0, command);
    assert.match(stdoutText, new RegExp(`usage: eddy ${command}`));
    assert.deepEqual(misalignedFlags(stdoutText), [], `eddy ${command} --help`);
  }
  const top = await cli(["--help"]);
  assert.equal(top.code, 0);
  const listed = top.stdoutText.split("commands:\n")[1].split("\n\n")[0]
    .split("\n");
  assert.equal(listed.length, 8);
  for (const line of listed) {
    // A name run together with its summary ("workflowdeploy, ...") fails.
    assert.match(line, /^ {2}[a-z]+ {2,}[a-z]/, line);
  }
  const columns = new Set(listed.map((l) => l.search(/(?<= {2})[a-z]+,? /)));
  assert.equal(
    columns.size,
    1,
    `summaries start in one column:\n${listed.join("\n")}`,
  );
});

/**
 * Flag lines of `help` whose description does not start in the column of
 * the other lines of their block (a block: consecutive flag lines).
 */
function misalignedFlags(help: string): string[] {
  const wrong: string[] = [];
  for (const block of help.split(/\n(?! {2}-| {4,}\S)/)) {
    const lines = block.split("\n").filter((l) => /^ {2}-/.test(l));
    const starts = lines.flatMap((l) => {
      const m = /^ {2}-\S.*? {2,}(?=\S)/.exec(l);
      return m ? [[l, m[0].length] as const] : [];
    });
    const column = starts[0]?.[1];
    for (const [line, start] of starts) if (start !== column) wrong.push(line);
  }
  return wrong;
}

Deno.test("CLI errors are one line, no stack trace, non-zero exit", async () => {
  for (
    const args of [
      ["frobnicate"],
      ["deploy", "--nope"],
      ["invoke"],
      ["run", "does-not-exist.wasm"],
      ["ls", "--url", "http://127.0.0.1:1"],
      ["serve", "--port", "99999"],
    ]
  ) {
    const { code, stderr } = await cli(args);
    assert.notEqual(code, 0, args.join(" "));
    assert.equal(stderr.trim().split("\n").length, 1, `${args}: ${stderr}`);
    assert.doesNotMatch(stderr, /\n\s+at /, args.join(" "));
    assert.match(stderr, /^eddy/);
  }
});

Deno.test("deploy a manifest with the CLI, invoke, ls, rm", async () => {
  await using node = await startNode();
  const url = ["--url", node.url];
  const manifest = join(REPO_ROOT, "examples/manifest.yaml");
  const deploy = await cli(["deploy", ...url, "-f", manifest]);
  assert.equal(deploy.code, 0, deploy.stderr);
  assert.match(deploy.stdoutText, /deployed echo/);

  const input = new TextEncoder().encode("Hello, eddy!\n");
  const up = await cli(["invoke", ...url, "uppercase"], { stdin: input });
  assert.equal(up.code, 0, up.stderr);
  assert.equal(up.stdoutText, "HELLO, EDDY!\n");

  const hash = await cli(["invoke", ...url, "sha256", "--data", "abc"]);
  assert.equal(
    hash.stdoutText.trim(),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  const wc = await cli([
    "invoke",
    ...url,
    "wordcount",
    "--data",
    "one two\nthree\n",
  ]);
  assert.equal(wc.stdoutText.trim().split(/\s+/).join(" "), "2 3 14");

  const ls = await cli(["ls", ...url]);
  assert.equal(ls.code, 0);
  assert.match(ls.stdoutText, /^NAME\s+MODULE/);
  assert.match(ls.stdoutText, /\necho\s+sha256:/);

  const failing = await cli(["invoke", ...url, "fail"]);
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, /function 'fail' failed/);

  const rm = await cli(["rm", ...url, "echo"]);
  assert.equal(rm.code, 0);
  const gone = await cli(["invoke", ...url, "echo", "--data", "x"]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /no function named 'echo'/);
});

Deno.test("deploy NAME MODULE with flags sets args, env and limits", async () => {
  await using node = await startNode();
  const url = ["--url", node.url];
  const deploy = await cli([
    "deploy",
    ...url,
    "printer",
    join(REPO_ROOT, "examples/env/env.wasm"),
    "--arg",
    "one",
    "--arg",
    "two words",
    "--env",
    "GREETING=hi",
    "--timeout",
    "2s",
    "--call-depth",
    "3",
  ]);
  assert.equal(deploy.code, 0, deploy.stderr);
  const out = await cli(["invoke", ...url, "printer"]);
  assert.equal(out.stdoutText, "one\ntwo words\nGREETING=hi\n");
  const ls = JSON.parse((await cli(["ls", ...url, "--json"])).stdoutText);
  assert.equal(ls[0].limits.timeoutMs, 2000);
  assert.equal(ls[0].limits.callDepth, 3);
  const deep = await cli([
    "deploy",
    ...url,
    "printer",
    join(REPO_ROOT, "examples/env/env.wasm"),
    "--call-depth",
    "deep",
  ]);
  assert.equal(deep.code, 1);
  assert.match(deep.stderr, /limits\.callDepth.*whole number from 1 to 64/);
});

Deno.test("deploy -f keeps every limit the manifest sets, callDepth and concurrency too", async () => {
  await using node = await startNode();
  const dir = await tempDir();
  try {
    const manifest = join(dir, "calls.yaml");
    await Deno.writeTextFile(
      manifest,
      `functions:\n  - name: echo\n    module: ${
        join(REPO_ROOT, "examples/echo/echo.wasm")
      }\n    limits: { timeout: 3s, callDepth: 2, concurrency: 3 }\n`,
    );
    const url = ["--url", node.url];
    const deploy = await cli(["deploy", ...url, "-f", manifest]);
    assert.equal(deploy.code, 0, deploy.stderr);
    const ls = JSON.parse((await cli(["ls", ...url, "--json"])).stdoutText);
    assert.equal(ls[0].limits.timeoutMs, 3000);
    assert.equal(ls[0].limits.callDepth, 2);
    assert.equal(ls[0].limits.concurrency, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli run: terminal stdio, exit code, preopens", async () => {
  const input = crypto.getRandomValues(new Uint8Array(50_000));
  const echo = await cli(["run", join(REPO_ROOT, "examples/echo/echo.wasm")], {
    stdin: input,
  });
  assert.equal(echo.code, 0);
  assert.equal(await sha256(echo.stdout), await sha256(input));

  const fail = await cli([
    "run",
    join(REPO_ROOT, "examples/fail/fail.wasm"),
    "5",
  ]);
  assert.equal(fail.code, 5);
  assert.match(fail.stderr, /something went wrong/);

  const dir = await tempDir();
  const notes = join(REPO_ROOT, "examples/notes/notes.wasm");
  const ro = await cli(
    ["run", "--dir", `${dir}::/data`, notes, "put", "a.txt"],
    {
      stdin: new TextEncoder().encode("nope"),
    },
  );
  assert.notEqual(ro.code, 0, "a read-only preopen refuses writes");
  const rw = await cli([
    "run",
    "--dir-rw",
    `${dir}::/data`,
    notes,
    "put",
    "a.txt",
  ], {
    stdin: new TextEncoder().encode("kept"),
  });
  assert.equal(rw.code, 0, rw.stderr);
  const get = await cli([
    "run",
    "--dir",
    `${dir}::/data`,
    notes,
    "get",
    "a.txt",
  ]);
  assert.equal(get.stdoutText, "kept");
  const env = await cli([
    "run",
    "--env",
    "A=1",
    join(REPO_ROOT, "examples/env/env.wasm"),
    "--not-a-flag-of-eddy",
  ]);
  assert.equal(env.stdoutText, "--not-a-flag-of-eddy\nA=1\n");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("workflows from the CLI: deploy, invoke with a trace, ls, rm", async () => {
  await using node = await startNode();
  const url = ["--url", node.url];
  const deploy = await cli([
    "deploy",
    ...url,
    join(REPO_ROOT, "examples/manifest.yaml"),
  ]);
  assert.equal(deploy.code, 0, deploy.stderr);
  const dir = await tempDir();
  const spec = join(dir, "shout.yaml");
  await Deno.writeTextFile(
    spec,
    "name: shout\nsteps:\n  - {name: up, function: uppercase}\n  - {name: hash, function: sha256, after: [up]}\n",
  );
  const put = await cli(["workflow", "deploy", ...url, spec]);
  assert.equal(put.code, 0, put.stderr);
  const run = await cli([
    "workflow",
    "invoke",
    ...url,
    "shout",
    "--data",
    "hi\n",
    "--trace",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdoutText,
    "f712374589a4f37f0fd6b941a104c7ccf43f68b1fdecb4d5cd88b80acbf98fc2\n",
  );
  const trace = JSON.parse(run.stderr);
  assert.ok(
    trace.some((t: { kind: string; mode?: string }) =>
      t.kind === "edge" && t.mode === "memory"
    ),
  );
  const ls = await cli(["workflow", "ls", ...url]);
  assert.match(ls.stdoutText, /^shout\t2 steps/);
  const rm = await cli(["workflow", "rm", ...url, "shout"]);
  assert.equal(rm.code, 0);
  const gone = await cli([
    "workflow",
    "invoke",
    ...url,
    "shout",
    "--data",
    "x",
  ]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /no workflow named 'shout'/);
});

Deno.test("cli run refuses a --dir that is missing or not a directory (exit 2)", async () => {
  const dir = await tempDir();
  try {
    const file = join(dir, "file.txt");
    await Deno.writeTextFile(file, "not a dir");
    const echo = join(REPO_ROOT, "examples/echo/echo.wasm");
    for (
      const [flag, host, problem] of [
        ["--dir", join(dir, "nonexistent"), /does not exist/],
        ["--dir-rw", file, /is not a directory/],
      ] as const
    ) {
      const { code, stderr, stdoutText } = await cli([
        "run",
        flag,
        `${host}::/x`,
        echo,
      ]);
      assert.equal(code, 2, stderr);
      assert.match(stderr, problem);
      assert.match(stderr, new RegExp(`^eddy run: ${flag} `));
      assert.equal(stdoutText, "");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
