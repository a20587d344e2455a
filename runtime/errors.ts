/**
 * Typed errors: one class per failure family, each with a stable `code` that
 * clients can match on and the context a user needs to fix the input. They
 * know nothing of HTTP: the API maps codes to statuses (api/status.ts).
 *
 * @module
 */

/** Details attached to an error; serialised as-is into API error bodies. */
export type ErrorDetails = Record<string, unknown>;

/**
 * Base class of every error eddy reports to a user.
 *
 * @example
 * ```ts
 * import { EddyError } from "./errors.ts";
 * try {
 *   throw new EddyError("not_found", "no function named 'echo'");
 * } catch (e) {
 *   if (e instanceof EddyError) console.log(e.code); // not_found
 * }
 * ```
 */
export class EddyError extends Error {
  /** Stable machine-readable code, e.g. `invalid_module`. */
  readonly code: string;
  /** Extra context (field, line, function name, ...). */
  readonly details: ErrorDetails;

  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }

  /** The JSON body the API sends for this error. */
  toJSON(): { error: { code: string; message: string } & ErrorDetails } {
    return {
      error: { code: this.code, message: this.message, ...this.details },
    };
  }
}

/**
 * A WebAssembly module that is malformed or breaks the function contract.
 * `problems` lists every reason, not just the first.
 *
 * @example
 * ```ts
 * import { ModuleError } from "./errors.ts";
 * const e = new ModuleError(["missing export '_start'"]);
 * console.log(e.code); // "invalid_module"
 * ```
 */
export class ModuleError extends EddyError {
  readonly problems: string[];
  constructor(problems: string[], details: ErrorDetails = {}) {
    super(
      "invalid_module",
      `invalid module: ${problems.join("; ")}`,
      { problems, ...details },
    );
    this.problems = problems;
  }
}

/** Where in a YAML document a problem is. Lines and columns are 1-based. */
export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * A manifest or other spec document that cannot be accepted; names the field
 * (a dotted path such as `functions[1].limits.timeout`) and its position.
 *
 * @example
 * ```ts
 * import { ManifestError } from "./errors.ts";
 * const e = new ManifestError("must be a duration like '5s'", "functions[0].limits.timeout", { line: 7, column: 16 });
 * console.log(e.message); // functions[0].limits.timeout (line 7, column 16): must be a duration like '5s'
 * ```
 */
export class ManifestError extends EddyError {
  constructor(
    problem: string,
    field?: string,
    position?: SourcePosition,
    code = "invalid_manifest",
  ) {
    const where = [
      field,
      position ? `(line ${position.line}, column ${position.column})` : "",
    ].filter(Boolean).join(" ");
    super(code, where ? `${where}: ${problem}` : problem, {
      ...(field ? { field } : {}),
      ...(position ?? {}),
    });
  }
}

/**
 * A named thing (function, module, route) that does not exist.
 *
 * @example
 * ```ts
 * import { NotFoundError } from "./errors.ts";
 * const error = new NotFoundError("function", "echo");
 * console.log(error.code, error.message); // not_found no function named 'echo'
 * ```
 */
export class NotFoundError extends EddyError {
  constructor(kind: string, name: string) {
    super("not_found", `no ${kind} named '${name}'`, { kind, name });
  }
}

/** Why an invocation failed; also its error's `code`. */
export type InvocationFailure =
  | "trap"
  | "exit"
  | "timeout"
  | "memory_limit"
  | "input_too_large"
  | "output_too_large"
  | "overloaded"
  | "cancelled"
  | "call_depth_exceeded"
  | "memory_budget"
  | "state_unavailable";

/**
 * One invocation of a function failed: it trapped, exited non-zero, ran past
 * its deadline, hit a memory or I/O limit. Carries the function's name, the
 * reason and the tail of its stderr.
 *
 * @example
 * ```ts
 * import { InvocationError } from "./errors.ts";
 * const e = new InvocationError("echo", "timeout", "ran past its 100 ms timeout");
 * console.log(e.code); // timeout
 * ```
 */
export class InvocationError extends EddyError {
  readonly reason: InvocationFailure;
  constructor(
    fn: string,
    reason: InvocationFailure,
    message: string,
    extra: { stderr?: string; exitCode?: number } & ErrorDetails = {},
  ) {
    super(
      reason,
      `function '${fn}' failed: ${message}`,
      {
        function: fn,
        reason,
        ...extra,
      },
    );
    this.reason = reason;
  }
}

/**
 * A request the API refuses before doing anything: missing or wrong token,
 * unsupported content type, a bad parameter.
 *
 * @example
 * ```ts
 * import { RequestError } from "./errors.ts";
 * const error = new RequestError("unauthorized", "missing bearer token");
 * console.log(error.code); // unauthorized
 * ```
 */
export class RequestError extends EddyError {}
