/**
 * `eddy run`: run a module once, without a server, with the terminal as its
 * stdio (like `wasmtime run`).
 *
 * @module
 */
import { resolve } from "node:path";
import { runGuest } from "../../runtime/executor/mod.ts";
import { inspectModule } from "../../runtime/module/mod.ts";
import {
  type ByteSink,
  type ByteSource,
  requireConfinement,
} from "../../runtime/wasi/mod.ts";
import { dirMounts, keyValues, parseFlags, UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import { readInput } from "./invoke.ts";

const HELP = `usage: eddy run [FLAGS] MODULE.wasm [ARGS...]

Runs a WASI command module once: stdin, stdout and stderr are the terminal's,
and eddy exits with the guest's exit code. Flags stop at MODULE.wasm; what
follows is the guest's argv.

  --dir HOST[::GUEST]     preopen HOST as GUEST (default: the same path), read-only
  --dir-rw HOST[::GUEST]  preopen read-write
  --env KEY=VALUE         set an environment variable (repeatable)`;

const stdin: ByteSource = {
  read: (into) => Deno.stdin.readSync(into) ?? 0,
};

function terminal(file: typeof Deno.stdout): ByteSink {
  return {
    write(data) {
      let off = 0;
      while (off < data.length) off += file.writeSync(data.subarray(off));
    },
  };
}

/** The absolute path of a `--dir` host directory; a UsageError unless it is one. */
function checkedDir(host: string, writable: boolean): string {
  const flag = writable ? "--dir-rw" : "--dir";
  const path = resolve(host);
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(
        "run",
        `${flag} ${host}: directory '${path}' does not exist`,
      );
    }
    throw error;
  }
  if (!info.isDirectory) {
    throw new UsageError(
      "run",
      `${flag} ${host}: '${path}' is not a directory`,
    );
  }
  return path;
}

/** `eddy run`. */
export const runCommand: Command = {
  name: "run",
  summary: "run a module once with the terminal as stdio",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags("run", argv, {
      dir: { type: "string", multiple: true },
      "dir-rw": { type: "string", multiple: true },
      env: { type: "string", multiple: true },
    }, { stopAtPositional: true });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [path, ...args] = positionals;
    if (!path) throw new UsageError("run", "missing MODULE.wasm");
    const { module } = await inspectModule(await readInput("run", path));
    const preopens = [
      ...dirMounts(values.dir, false),
      ...dirMounts(values["dir-rw"], true),
    ].map((d) => ({
      hostPath: checkedDir(d.host, d.writable),
      guestPath: d.guest,
      writable: d.writable,
    }));
    if (preopens.length > 0) requireConfinement();
    const result = await runGuest({ module }, {
      fn: path,
      args: [path, ...args],
      env: keyValues("run", "--env", values.env),
      preopens,
      timeoutMs: Infinity,
      maxMemoryBytes: Infinity,
      maxOutputBytes: Infinity,
    }, { stdin, stdout: terminal(Deno.stdout), stderr: terminal(Deno.stderr) });
    if (result.failure?.reason === "trap") {
      console.error(`eddy: ${path}: ${result.failure.message}`);
      return 128 + 6;
    }
    return result.exitCode;
  },
};
