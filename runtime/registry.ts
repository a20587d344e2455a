/**
 * The deployment registry: which functions are deployed, with which module
 * and settings, kept durably in `<dataDir>/deployments.json` next to the
 * module store in `<dataDir>/modules`.
 *
 * Crash safety rests on two orderings: modules are stored (durably) before
 * any state that references them is written, and every change of state is
 * one atomic file replacement. A process killed at any moment therefore
 * leaves the old or the new deployments, each with all its modules.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { removeTempFiles, writeFileAtomic } from "./durable.ts";
import { EddyError, ManifestError, NotFoundError } from "./errors.ts";
import {
  DEFAULT_LIMITS,
  FUNCTION_NAME_PATTERN,
  type FunctionSpec,
  LIMIT_FIELDS,
  LIMIT_MAXIMUMS,
  type Limits,
} from "./manifest/mod.ts";
import {
  type CompiledModule,
  initialMemoryProblem,
  isDigest,
  type ModuleInfo,
  ModuleStore,
  type ModuleStoreOptions,
  pagesWithin,
} from "./module/mod.ts";
import {
  ConfinementUnavailable,
  requireConfinement,
} from "./wasi/confinement.ts";

const STATE_FILE = "deployments.json";
const STATE_VERSION = 1;

/**
 * A deployed function: its spec with the module as a digest and host
 * directories made absolute.
 *
 * @example
 * ```ts
 * import type { Deployment } from "./registry.ts";
 * const show = (d: Deployment) => `${d.name} r${d.revision} ${d.module} since ${d.deployedAt}`;
 * ```
 */
export interface Deployment extends FunctionSpec {
  /** `sha256:<hex>` of a module in the store. */
  module: string;
  /** 1 when the function is (re)created, +1 on every apply of the name after that. */
  revision: number;
  /** ISO 8601 time of the apply that produced this revision. */
  deployedAt: string;
}

/**
 * Deployed functions by name. Every change is all-or-nothing: `apply` and
 * `remove` validate first, then write the whole state in one atomic write;
 * concurrent calls run one after the other. Deployments handed out are
 * frozen.
 *
 * @example
 * ```ts
 * import { Registry } from "./registry.ts";
 * import { functionSpec } from "./manifest/mod.ts";
 * const tmp = await Deno.makeTempDir();
 * const registry = await Registry.open(tmp);
 * const { digest } = await registry.modules.put(await Deno.readFile("examples/echo/echo.wasm"));
 * await registry.apply([functionSpec("echo", digest, { limits: { memory: "16MiB" } })]);
 * const { module, memory } = await registry.compiled("echo"); // memory capped at 16 MiB
 * await Deno.remove(tmp, { recursive: true });
 * ```
 */
export class Registry {
  /** The data directory this registry lives in. */
  readonly dataDir: string;
  /** The module store (`<dataDir>/modules`); upload modules here before applying. */
  readonly modules: ModuleStore;
  #deployments: Map<string, Deployment>;
  /** `names()` of the current deployments, made on first ask. */
  #names: readonly string[] | undefined;
  /** Tail of the chain that runs changes one at a time. */
  #changes: Promise<unknown> = Promise.resolve();

  private constructor(
    dataDir: string,
    modules: ModuleStore,
    deployments: Map<string, Deployment>,
  ) {
    this.dataDir = dataDir;
    this.modules = modules;
    this.#deployments = deployments;
  }

  /**
   * Opens (creating if needed) the registry in `dataDir` and restores the
   * deployments saved there. Throws an `EddyError` with code
   * `corrupt_state` when the state file cannot be read as deployments,
   * rather than starting empty and overwriting them on the next change,
   * and with code `unconfined_mounts` when deployments have mounts that
   * cannot be confined here (no FFI permission, not Linux). `modules` are
   * the module store's options (its compile budget). Nothing is compiled
   * here: a function's module is compiled when it is first run.
   *
   * @example
   * ```ts
   * import { Registry } from "./registry.ts";
   * const dataDir = await Deno.makeTempDir();
   * const registry = await Registry.open(dataDir);
   * console.log(registry.list().map((d) => d.name)); // []
   * await Deno.remove(dataDir, { recursive: true });
   * ```
   */
  static async open(
    dataDir: string,
    options: { modules?: ModuleStoreOptions } = {},
  ): Promise<Registry> {
    const dir = resolve(dataDir);
    await Deno.mkdir(dir, { recursive: true });
    await removeTempFiles(dir, { target: STATE_FILE });
    const modules = await ModuleStore.open(join(dir, "modules"), {
      preparedDir: join(dir, "prepared"),
      ...options.modules,
    });
    const deployments = await _readState(join(dir, STATE_FILE));
    const mounted = [...deployments.values()].filter((d) => d.dirs.length);
    const unconfined = mounted.length > 0 && _confinementProblem();
    if (unconfined) {
      // Serving these unconfined is not an option; serving without them
      // would silently drop deployments.
      throw new EddyError(
        "unconfined_mounts",
        `deployed functions with mounts (${
          mounted.map((d) => d.name).join(", ")
        }) cannot run here: ${unconfined}`,
        { functions: mounted.map((d) => d.name).join(",") },
      );
    }
    return new Registry(dir, modules, deployments);
  }

  /**
   * Every deployment, by name.
   *
   * @example
   * ```ts
   * import { Registry } from "./registry.ts";
   * const tmp = await Deno.makeTempDir();
   * const registry = await Registry.open(tmp);
   * console.log(registry.list()); // []
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  list(): Deployment[] {
    return [...this.#deployments.values()].sort((a, b) =>
      a.name < b.name ? -1 : 1
    );
  }

  /**
   * The names of the deployed functions, sorted: one frozen array per
   * state, so that whoever derives something from them (a workflow's
   * plan) sees by its identity whether they changed.
   *
   * @example
   * ```ts
   * import { Registry } from "./registry.ts";
   * const tmp = await Deno.makeTempDir();
   * const registry = await Registry.open(tmp);
   * console.log(registry.names(), registry.names() === registry.names()); // [] true
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  names(): readonly string[] {
    return this.#names ??= Object.freeze(this.list().map((d) => d.name));
  }

  /**
   * The deployment of `name`, if any.
   *
   * @example
   * ```ts
   * import { Registry } from "./registry.ts";
   * const tmp = await Deno.makeTempDir();
   * const registry = await Registry.open(tmp);
   * console.log(registry.get("echo")); // undefined
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  get(name: string): Deployment | undefined {
    return this.#deployments.get(name);
  }

  /**
   * Deploys `specs`, replacing same-named deployments (their revision goes
   * up by one). Validates all of them before writing anything: valid unique
   * names, module digests present in the store, host directories that exist
   * (made absolute), limits in range and a module initial memory within the
   * memory limit. Throws a `ManifestError` with code `invalid_deployment`
   * naming the function and field (`functions[1].limits.memory`, indexed
   * like `specs`). Modules no deployment uses any more are then deleted.
   *
   * @example
   * ```ts
   * import { Registry } from "./registry.ts";
   * import { parseManifest } from "./manifest/mod.ts";
   * const tmp = await Deno.makeTempDir();
   * const registry = await Registry.open(tmp);
   * const { digest } = await registry.modules.put(await Deno.readFile("examples/echo/echo.wasm"));
   * const manifest = await parseManifest(`functions: [{ name: echo, module: "${digest}" }]`);
   * const [echo] = await registry.apply(manifest.functions);
   * console.log(echo.revision); // 1
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  apply(specs: FunctionSpec[]): Promise<Deployment[]> {
    return this.#serialized(async () => {
      const deployedAt = new Date().toISOString();
      const applied: Deployment[] = [];
      // By name, so that a manifest of 10,000 functions is not checked in
      // 50 million comparisons.
      const indexOf = new Map<string, number>();
      for (const [index, spec] of specs.entries()) {
        const clash = indexOf.get(spec.name);
        if (clash !== undefined) {
          throw _deploymentError(
            index,
            spec.name,
            "name",
            `is also functions[${clash}]`,
          );
        }
        indexOf.set(spec.name, index);
        applied.push(await this.#validated(index, spec, deployedAt));
      }
      if (applied.length === 0) return [];
      const next = new Map(this.#deployments);
      for (const deployment of applied) next.set(deployment.name, deployment);
      await this.#commit(next);
      return applied;
    });
  }

  /**
   * Undeploys `name` (`NotFoundError` if it is not deployed) and deletes its
   * module unless another deployment uses it.
   *
   * @example
   * ```ts
   * import { Registry } from "./registry.ts";
   * import { functionSpec } from "./manifest/mod.ts";
   * const dataDir = await Deno.makeTempDir();
   * const registry = await Registry.open(dataDir);
   * const wasm = await Deno.readFile("examples/echo/echo.wasm");
   * const { digest } = await registry.modules.put(wasm);
   * await registry.apply([functionSpec("echo", digest)]);
   * const removed = await registry.remove("echo");
   * console.log(`removed ${removed.name} r${removed.revision}`); // removed echo r1
   * await Deno.remove(dataDir, { recursive: true });
   * ```
   */
  remove(name: string): Promise<Deployment> {
    return this.#serialized(async () => {
      const removed = this.#deployments.get(name);
      if (!removed) throw new NotFoundError("function", name);
      const next = new Map(this.#deployments);
      next.delete(name);
      await this.#commit(next);
      return removed;
    });
  }

  /**
   * Deletes stored module `digest`, which no deployment may use. Throws an
   * `EddyError` with code `invalid_digest` (400) for a malformed digest,
   * `NotFoundError` for one not stored and `module_in_use` (409) naming the
   * functions that use it, and the workflows using those when
   * `workflowsUsing` tells. Serialized with deployments, so a deploy cannot
   * pick the module up halfway through.
   *
   * @example
   * ```ts
   * import { Registry } from "./registry.ts";
   * const tmp = await Deno.makeTempDir();
   * const registry = await Registry.open(tmp);
   * const { digest } = await registry.modules.put(await Deno.readFile("examples/echo/echo.wasm"));
   * await registry.removeModule(digest);
   * console.log(registry.modules.has(digest)); // false
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  removeModule(
    digest: string,
    workflowsUsing: (functions: string[]) => string[] = () => [],
  ): Promise<void> {
    return this.#serialized(async () => {
      if (!isDigest(digest)) {
        throw new EddyError(
          "invalid_digest",
          `'${digest}' is not a module digest (sha256: and 64 lower-case hex digits)`,
          { digest },
        );
      }
      if (!this.modules.has(digest)) throw new NotFoundError("module", digest);
      const functions = this.list().filter((d) => d.module === digest).map((
        d,
      ) => d.name);
      if (functions.length > 0) {
        const workflows = workflowsUsing(functions);
        throw new EddyError(
          "module_in_use",
          `module ${digest} is used by function${
            functions.length > 1 ? "s" : ""
          } ${functions.map((f) => `'${f}'`).join(", ")}${
            workflows.length
              ? ` (in workflow${workflows.length > 1 ? "s" : ""} ${
                workflows.map((w) => `'${w}'`).join(", ")
              })`
              : ""
          }; remove or redeploy ${functions.length > 1 ? "them" : "it"} first`,
          { digest, functions, workflows },
        );
      }
      await this.modules.remove(digest);
    });
  }

  /**
   * Deletes every stored module no deployment uses, and says how many: what
   * an interrupted deploy or upload left behind. Run at start, before
   * anything is served, since a module uploaded for a manifest not applied
   * yet is unused too.
   *
   * @example
   * ```ts
   * import { Registry } from "./registry.ts";
   * const tmp = await Deno.makeTempDir();
   * const registry = await Registry.open(tmp);
   * console.log(await registry.sweepModules()); // 0
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  sweepModules(): Promise<number> {
    return this.#serialized(async () => {
      const used = new Set(this.list().map((d) => d.module));
      const unused = this.modules.digests().filter((d) => !used.has(d));
      for (const digest of unused) await this.modules.remove(digest);
      return unused.length;
    });
  }

  /**
   * The compiled module of deployed function `name`, with its memory capped
   * at the function's memory limit: what an executor instantiates. Compiled
   * on first use per module and limit, and cached within the store's
   * budget (see `ModuleStore.compiled`). Throws
   * `NotFoundError` when the function is not deployed.
   *
   * @example
   * ```ts
   * import { Registry } from "./registry.ts";
   * import { functionSpec } from "./manifest/mod.ts";
   * const dataDir = await Deno.makeTempDir();
   * const registry = await Registry.open(dataDir);
   * const wasm = await Deno.readFile("examples/echo/echo.wasm");
   * await registry.apply([functionSpec("echo", (await registry.modules.put(wasm)).digest)]);
   * const { module } = await registry.compiled("echo");
   * console.log(WebAssembly.Module.exports(module).length > 0); // true
   * await Deno.remove(dataDir, { recursive: true });
   * ```
   */
  compiled(name: string): Promise<CompiledModule> {
    const deployment = this.#deployments.get(name);
    if (!deployment) return Promise.reject(new NotFoundError("function", name));
    return this.modules.compiled(
      deployment.module,
      deployment.limits.maxMemoryBytes,
    );
  }

  #serialized<T>(change: () => Promise<T>): Promise<T> {
    const result = this.#changes.then(change);
    this.#changes = result.catch(() => {});
    return result;
  }

  /** The deployment `spec` becomes, or the first reason it cannot. */
  async #validated(
    index: number,
    spec: FunctionSpec,
    deployedAt: string,
  ): Promise<Deployment> {
    const fail = (field: string, problem: string) =>
      _deploymentError(index, spec.name, field, problem);
    if (
      typeof spec.name !== "string" || !FUNCTION_NAME_PATTERN.test(spec.name)
    ) {
      throw fail("name", `invalid function name '${spec.name}'`);
    }
    const info = await this.#moduleInfo(
      spec.module,
      (problem) => fail("module", problem),
    );
    for (const [limit, field] of Object.entries(LIMIT_FIELDS)) {
      const value = spec.limits[limit as keyof Limits];
      const max = LIMIT_MAXIMUMS[limit as keyof Limits];
      // A limit without a default (`concurrency`, `maxQueueWait`) may be
      // left out: none of its own.
      if (value === undefined && !(limit in DEFAULT_LIMITS)) continue;
      if (!Number.isInteger(value) || value! <= 0 || value! > max) {
        throw fail(
          `limits.${field}`,
          `must be an integer in 1..${max}; got ${value}`,
        );
      }
    }
    const pages = pagesWithin(spec.limits.maxMemoryBytes);
    if (info.memory.initialPages > pages) {
      throw fail(
        "limits.memory",
        initialMemoryProblem(info.memory.initialPages, pages),
      );
    }
    const dirs = [];
    const unconfined = spec.dirs.length > 0 && _confinementProblem();
    if (unconfined) throw fail("dirs", unconfined);
    for (const [i, mount] of spec.dirs.entries()) {
      const host = resolve(mount.host);
      const problem = await _directoryProblem(host);
      if (problem) throw fail(`dirs[${i}].host`, problem);
      dirs.push({ ...mount, host });
    }
    return _frozen({
      name: spec.name,
      module: spec.module,
      args: [...spec.args],
      env: { ...spec.env },
      dirs,
      ...(spec.state?.length
        ? { state: spec.state.map((mount) => ({ ...mount })) }
        : {}),
      limits: { ...spec.limits },
      labels: { ...spec.labels },
      revision: (this.#deployments.get(spec.name)?.revision ?? 0) + 1,
      deployedAt,
    });
  }

  async #moduleInfo(
    module: string,
    fail: (problem: string) => Error,
  ): Promise<ModuleInfo> {
    if (!isDigest(module)) {
      throw fail(
        `'${module}' is not a module digest; upload the module and deploy its sha256 digest`,
      );
    }
    let info: ModuleInfo | undefined;
    try {
      info = await this.modules.info(module);
    } catch (error) {
      if (error instanceof EddyError) throw fail(error.message);
      throw error;
    }
    if (!info) throw fail(`module ${module} is not uploaded`);
    return info;
  }

  /**
   * Makes `next` the state: one atomic write, then the in-memory swap, then
   * dropping compiled modules no deployment runs, then deletion of modules
   * only the previous state used. Deleting last means a
   * crash can leave an unused module behind, never a missing one.
   */
  async #commit(next: Map<string, Deployment>): Promise<void> {
    const functions = [...next.values()].sort((a, b) =>
      a.name < b.name ? -1 : 1
    );
    await writeFileAtomic(
      join(this.dataDir, STATE_FILE),
      JSON.stringify({ version: STATE_VERSION, functions }, null, 2) + "\n",
    );
    const previous = this.#deployments;
    this.#deployments = next;
    this.#names = undefined;
    this.modules.retainCompiled(
      functions.map((d) => ({
        digest: d.module,
        maxMemoryBytes: d.limits.maxMemoryBytes,
      })),
    );
    const used = new Set(functions.map((d) => d.module));
    for (const { module } of previous.values()) {
      // Best effort: the change is committed, and a module left behind only
      // costs disk space, so a failed delete must not fail the change.
      if (!used.has(module)) await this.modules.remove(module).catch(() => {});
    }
  }
}

async function _readState(path: string): Promise<Map<string, Deployment>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return new Map();
    throw error;
  }
  const corrupt = (why: string) =>
    new EddyError("corrupt_state", `${path}: ${why}`, { path });
  let state: { version?: unknown; functions?: unknown };
  try {
    state = JSON.parse(text);
  } catch (error) {
    throw corrupt(`not valid JSON (${(error as Error).message})`);
  }
  if (state?.version !== STATE_VERSION) {
    throw corrupt(
      `unsupported state version ${JSON.stringify(state?.version)}`,
    );
  }
  if (!Array.isArray(state.functions)) {
    throw corrupt("'functions' is not a list");
  }
  const deployments = new Map<string, Deployment>();
  for (const deployment of state.functions) {
    if (!_isDeployment(deployment)) {
      throw corrupt(`malformed deployment ${JSON.stringify(deployment)}`);
    }
    // State written before a limit existed gets that limit's default.
    deployments.set(
      deployment.name,
      _frozen({
        ...deployment,
        limits: { ...DEFAULT_LIMITS, ...deployment.limits },
      }),
    );
  }
  return deployments;
}

/** Enough of a shape check that using a restored deployment cannot crash. */
function _isDeployment(value: unknown): value is Deployment {
  const d = value as Partial<Deployment> | null;
  return typeof d?.name === "string" && typeof d.module === "string" &&
    isDigest(d.module) && Array.isArray(d.args) && Array.isArray(d.dirs) &&
    [d.env, d.limits, d.labels].every((part) =>
      typeof part === "object" && part !== null
    ) && typeof d.revision === "number";
}

/** Why `path` cannot be mounted, if it cannot. */
/** Why a mount cannot be confined by the kernel here, if it cannot. */
function _confinementProblem(): string | undefined {
  try {
    requireConfinement();
  } catch (error) {
    if (error instanceof ConfinementUnavailable) return error.message;
    throw error;
  }
}

async function _directoryProblem(path: string): Promise<string | undefined> {
  try {
    const stat = await Deno.stat(path);
    return stat.isDirectory ? undefined : `'${path}' is not a directory`;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return `directory '${path}' does not exist`;
    }
    // Too long a name, a file as a parent, no permission: the manifest's
    // path is unusable, which is the manifest's problem, not the node's.
    return `cannot use '${path}' as a directory (${
      (error as { code?: string }).code ?? (error as Error).name
    })`;
  }
}

function _deploymentError(
  index: number,
  name: string,
  field: string,
  problem: string,
): ManifestError {
  const error = new ManifestError(
    `function '${name}': ${problem}`,
    `functions[${index}].${field}`,
    undefined,
    "invalid_deployment",
  );
  error.details.function = name;
  return error;
}

/** Deployments are shared with every caller, so none may change one. */
function _frozen(deployment: Deployment): Deployment {
  for (const part of Object.values(deployment)) {
    if (typeof part === "object" && part !== null) Object.freeze(part);
  }
  deployment.dirs.forEach((mount) => Object.freeze(mount));
  return Object.freeze(deployment);
}
