/**
 * `eddy invoke`: call a deployed function.
 *
 * @module
 */
import { Client, CLIENT_FLAGS, CLIENT_HELP } from "../client.ts";
import { parseFlags, UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import { alignFlags } from "../help.ts";

const HELP = alignFlags(`usage: eddy invoke [FLAGS] NAME

Invokes function NAME on a node and writes its output to stdout. The input
is --data, --file, or else stdin.

  --arg ARG      append an argument to the function's argv (repeatable)
  --data TEXT    input text
  --file PATH    input file
  --verbose      print exit code, duration and node to stderr
${CLIENT_HELP}`);

/** `eddy invoke`. */
export const invokeCommand: Command = {
  name: "invoke",
  summary: "invoke a deployed function",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags("invoke", argv, {
      ...CLIENT_FLAGS,
      arg: { type: "string", multiple: true },
      data: { type: "string" },
      file: { type: "string" },
      verbose: { type: "boolean", short: "v" },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [name, extra] = positionals;
    if (!name) throw new UsageError("invoke", "missing function NAME");
    if (extra) throw new UsageError("invoke", `unexpected argument '${extra}'`);
    if (values.data !== undefined && values.file !== undefined) {
      throw new UsageError("invoke", "give --data or --file, not both");
    }
    const input = values.data !== undefined
      ? new TextEncoder().encode(values.data as string)
      : values.file !== undefined
      ? await readInput("invoke", values.file as string)
      : Deno.stdin.isTerminal()
      ? new Uint8Array()
      : new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
    const client = new Client(values as { url?: string; token?: string });
    const query = new URLSearchParams(
      ((values.arg as string[] | undefined) ?? []).map((a) => ["arg", a]),
    ).toString();
    const response = await client.request(
      "POST",
      `/invoke/${encodeURIComponent(name)}${query ? `?${query}` : ""}`,
      input,
      { "content-type": "application/octet-stream" },
    );
    const output = new Uint8Array(await response.arrayBuffer());
    await Deno.stdout.write(output);
    if (values.verbose) {
      const h = response.headers;
      console.error(
        `exit ${h.get("x-eddy-exit-code")} in ${
          h.get("x-eddy-duration-ms")
        } ms on ${h.get("x-eddy-node")}`,
      );
    }
    return 0;
  },
};

/**
 * Reads a file named on the command line, as a usage error if it can't be.
 *
 * @example
 * ```ts ignore
 * const bytes = await readInput("deploy", "echo.wasm");
 * ```
 */
export async function readInput(
  command: string,
  path: string,
): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    throw new UsageError(
      command,
      `cannot read '${path}': ${(error as Error).message}`,
    );
  }
}
