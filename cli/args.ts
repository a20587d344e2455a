/**
 * Flag parsing shared by the commands: strict (an unknown flag is an error),
 * with `--help` on every command.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { EddyError } from "../runtime/errors.ts";

/**
 * A command line that cannot be understood; printed as one line with a hint
 * to `--help`.
 *
 * @example
 * ```ts
 * import { UsageError } from "./args.ts";
 * const error = new UsageError("deploy", "missing MODULE.wasm");
 * console.log(error.message); // missing MODULE.wasm (see 'eddy deploy --help')
 * ```
 */
export class UsageError extends EddyError {
  constructor(command: string, problem: string) {
    super("usage", `${problem} (see 'eddy ${command} --help')`);
  }
}

/** Flag declarations, as node:util parseArgs takes them. */
export type FlagSpec = NonNullable<ParseArgsConfig["options"]>;

/** The `--help` flag every command has. */
const HELP_FLAG = { help: { type: "boolean", short: "h" } } as const;

/** What {@linkcode parseFlags} returns for `F`: parseArgs' own typed values. */
export interface ParsedFlags<F extends FlagSpec> {
  values: ReturnType<
    typeof parseArgs<{
      options: F & typeof HELP_FLAG;
      allowPositionals: true;
      strict: true;
    }>
  >["values"];
  positionals: string[];
}

/**
 * Parses `argv` against `flags`; unknown flags and missing values are
 * {@linkcode UsageError}s. Positionals stop flag parsing when
 * `stopAtPositional` is set, so a guest's own flags pass through.
 *
 * @example
 * ```ts
 * import { parseFlags } from "./args.ts";
 * const { values, positionals } = parseFlags("ls", ["--json"], { json: { type: "boolean" } });
 * console.log(values.json, positionals); // true []
 * ```
 */
export function parseFlags<const F extends FlagSpec>(
  command: string,
  argv: string[],
  flags: F,
  options: { stopAtPositional?: boolean } = {},
): ParsedFlags<F> {
  let head = argv;
  let rest: string[] = [];
  if (options.stopAtPositional) {
    const at = firstPositional(argv, flags);
    head = argv.slice(0, at);
    rest = argv.slice(at);
  }
  try {
    const { values, positionals } = parseArgs({
      args: head,
      options: { ...flags, ...HELP_FLAG },
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals: [...positionals, ...rest] };
  } catch (error) {
    const unknown = /Unknown option '([^']+)'/.exec((error as Error).message);
    throw new UsageError(
      command,
      unknown
        ? `unknown flag '${unknown[1]}'`
        : (error as Error).message.split(".")[0],
    );
  }
}

function firstPositional(argv: string[], flags: FlagSpec): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") return i + 1;
    if (!arg.startsWith("-") || arg === "-") return i;
    const name = arg.replace(/^--?/, "").split("=")[0];
    const spec = flags[name] ??
      Object.values(flags).find((f) => f.short === name);
    if (spec?.type === "string" && !arg.includes("=")) i++;
  }
  return argv.length;
}

/**
 * Parses repeated `K=V` flags into a record.
 *
 * @example
 * ```ts
 * import { keyValues } from "./args.ts";
 * console.log(keyValues("run", "--env", ["A=1", "B=x=y"])); // { A: "1", B: "x=y" }
 * ```
 */
export function keyValues(
  command: string,
  flag: string,
  items: unknown,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (items as string[] | undefined) ?? []) {
    const eq = item.indexOf("=");
    if (eq <= 0) {
      throw new UsageError(command, `${flag} wants KEY=VALUE, got '${item}'`);
    }
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/**
 * Parses `--dir HOST[::GUEST]` values into mounts (GUEST defaults to HOST).
 *
 * @example
 * ```ts
 * import { dirMounts } from "./args.ts";
 * console.log(dirMounts(["./data::/data"], true)); // [{ host: "./data", guest: "/data", writable: true }]
 * ```
 */
export function dirMounts(
  items: unknown,
  writable: boolean,
): { host: string; guest: string; writable: boolean }[] {
  return ((items as string[] | undefined) ?? []).map((item) => {
    const [host, guest] = item.split("::", 2);
    return { host, guest: guest || host, writable };
  });
}
