/**
 * The rules of a manifest, applied to a {@link Tree}: required and known
 * keys, types, name and env patterns, sizes, durations and their bounds.
 * Every failure is a ManifestError naming the field path and, for YAML,
 * the line and column of the node at fault.
 *
 * @module
 */
import { ManifestError, type SourcePosition } from "../errors.ts";
import {
  describe,
  DocumentReader,
  fieldPath,
  get,
  isNull,
  type Tree,
  type TreeMap,
  type TreeScalar,
} from "../document/mod.ts";
import { isDigest } from "../module/digest.ts";
import {
  DEFAULT_LIMITS,
  LIMIT_FIELDS,
  LIMIT_MAXIMUMS,
  type Limits,
} from "./limits.ts";
import {
  type DirMount,
  FUNCTION_NAME_PATTERN,
  type FunctionSpec,
  type Manifest,
  type StateMount,
} from "./spec.ts";
import {
  formatBytes,
  formatDuration,
  parseBytes,
  parseDuration,
} from "./units.ts";

const FUNCTION_KEYS = [
  "name",
  "module",
  "args",
  "env",
  "dirs",
  "state",
  "limits",
  "labels",
];
const DIR_KEYS = ["host", "guest", "writable"];
const STATE_KEYS = ["bucket", "mount", "readOnly"];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;

/** How manifests are read and refused (`invalid_manifest`). */
export const READER: DocumentReader = new DocumentReader({
  code: "invalid_manifest",
  noun: "manifest",
});

/** Refuses the field at `path`, at `node`'s position. */
function fail(problem: string, path: string, node: Tree): never {
  return READER.fail(problem, path, node.position);
}

/** Manifest key under `limits:` → the limit it sets. */
const LIMIT_KEYS = new Map<string, keyof Limits>(
  (Object.keys(LIMIT_FIELDS) as (keyof Limits)[]).map((limit) => [
    LIMIT_FIELDS[limit],
    limit,
  ]),
);

/** Reads a whole manifest: `functions:` with uniquely named entries. */
export function readManifest(
  root: Tree | undefined,
  defaults: Partial<Limits>,
): Manifest {
  if (!root || isNull(root)) {
    READER.fail(
      "manifest is empty; expected a top-level 'functions:' list",
      "",
      root?.position,
    );
  }
  const top = READER.map(root, "");
  READER.checkKeys(top, "", ["functions"], ["functions"]);
  const list = READER.seq(get(top, "functions")!, "functions");
  const seen = new Map<string, { path: string; position?: SourcePosition }>();
  const functions = list.items.map((item, i) => {
    const path = fieldPath("functions", i);
    const spec = readFunction(item, path, defaults);
    const nameNode = get(item as TreeMap, "name")!;
    const first = seen.get(spec.name);
    if (first) {
      const where = first.position ? `, line ${first.position.line}` : "";
      READER.fail(
        `duplicate function name '${spec.name}' (also ${first.path}${where})`,
        fieldPath(path, "name"),
        nameNode.position,
      );
    }
    seen.set(spec.name, { path, position: nameNode.position });
    return spec;
  });
  return { functions };
}

/** Reads one function entry found at `path` ("" for a standalone spec). */
export function readFunction(
  node: Tree,
  path: string,
  defaults: Partial<Limits>,
): FunctionSpec {
  const map = READER.map(node, path);
  READER.checkKeys(map, path, FUNCTION_KEYS, ["name", "module"]);
  const field = (key: string) => fieldPath(path, key);
  const optional = (key: string) => get(map, key);
  const dirs = _dirs(optional("dirs"), field("dirs"));
  const state = _state(optional("state"), field("state"), dirs, field("dirs"));
  return {
    name: _name(get(map, "name")!, field("name")),
    module: _module(get(map, "module")!, field("module")),
    args: _args(optional("args"), field("args")),
    env: _env(optional("env"), field("env")),
    dirs,
    ...(state.length ? { state } : {}),
    limits: _limits(optional("limits"), field("limits"), defaults),
    labels: _labels(optional("labels"), field("labels")),
  };
}

/** `state:` entries: buckets named like functions, mounts clear of each other and of `dirs`. */
function _state(
  node: Tree | undefined,
  path: string,
  dirs: DirMount[],
  dirsPath: string,
): StateMount[] {
  if (!node) return [];
  const mounts: StateMount[] = [];
  READER.seq(node, path).items.forEach((item, i) => {
    const itemPath = fieldPath(path, i);
    const map = READER.map(item, itemPath);
    READER.checkKeys(map, itemPath, STATE_KEYS, ["bucket", "mount"]);
    const bucketNode = get(map, "bucket")!;
    const bucket = READER.text(bucketNode, fieldPath(itemPath, "bucket"));
    if (!FUNCTION_NAME_PATTERN.test(bucket)) {
      fail(
        `invalid bucket name '${bucket}': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
        fieldPath(itemPath, "bucket"),
        bucketNode,
      );
    }
    const mountNode = get(map, "mount")!;
    const mountPath = fieldPath(itemPath, "mount");
    const mount = READER.text(mountNode, mountPath);
    if (!/^(\/[^/]+)+$/.test(mount) || /\/\.\.?(\/|$)/.test(mount)) {
      fail(
        `'${mount}' is not a mount path: write an absolute path such as /state, without '.', '..', '//' or a trailing '/'`,
        mountPath,
        mountNode,
      );
    }
    const clash = _mountClash(mount, dirs.map((d) => d.guest), dirsPath) ??
      _mountClash(mount, mounts.map((m) => m.mount), path);
    if (clash) fail(clash, mountPath, mountNode);
    const twice = mounts.findIndex((m) => m.bucket === bucket);
    if (twice >= 0) {
      fail(
        `bucket '${bucket}' is already mounted by ${fieldPath(path, twice)}`,
        fieldPath(itemPath, "bucket"),
        bucketNode,
      );
    }
    const readOnlyNode = get(map, "readOnly");
    if (
      readOnlyNode &&
      (readOnlyNode.kind !== "scalar" ||
        typeof readOnlyNode.value !== "boolean")
    ) {
      fail(
        `must be true or false; got ${describe(readOnlyNode)}`,
        fieldPath(itemPath, "readOnly"),
        readOnlyNode,
      );
    }
    mounts.push({
      bucket,
      mount,
      readOnly: (readOnlyNode as TreeScalar | undefined)?.value === true,
    });
  });
  return mounts;
}

/** Why `mount` cannot sit beside `others` (the same path, or one inside the other). */
function _mountClash(
  mount: string,
  others: string[],
  where: string,
): string | undefined {
  const at = others.findIndex((other) => {
    const o = other.replace(/\/+$/, "");
    return o === mount || o.startsWith(`${mount}/`) ||
      mount.startsWith(`${o}/`) ||
      o === "" || o === "/";
  });
  if (at < 0) return undefined;
  return `'${mount}' clashes with ${fieldPath(where, at)} ('${
    others[at]
  }'): a state mount must not be, contain or lie inside another mount`;
}

function _name(node: Tree, path: string): string {
  const name = READER.text(node, path);
  if (!FUNCTION_NAME_PATTERN.test(name)) {
    fail(
      `invalid function name '${name}': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
      path,
      node,
    );
  }
  return name;
}

function _module(node: Tree, path: string): string {
  const module = READER.text(node, path);
  if (module === "") fail("must not be empty", path, node);
  if (module.startsWith("sha256:") && !isDigest(module)) {
    fail(
      `malformed digest '${module}': expected 'sha256:' and 64 lowercase hex digits`,
      path,
      node,
    );
  }
  return module;
}

function _args(node: Tree | undefined, path: string): string[] {
  if (!node) return [];
  return READER.seq(node, path).items.map((item, i) =>
    READER.text(item, fieldPath(path, i))
  );
}

function _env(node: Tree | undefined, path: string): Record<string, string> {
  return _stringMap(node, path, (key) =>
    ENV_NAME.test(key) ? undefined : (
      `invalid environment variable name '${key}': use letters, digits and '_', not starting with a digit`
    ));
}

function _labels(
  node: Tree | undefined,
  path: string,
): Record<string, string> {
  return _stringMap(node, path, (key) =>
    LABEL_KEY.test(key) ? undefined : (
      `invalid label key '${key}': use up to 128 letters, digits, '.', '_', '/' or '-', starting with a letter or digit`
    ));
}

function _dirs(node: Tree | undefined, path: string): DirMount[] {
  if (!node) return [];
  const mounts: DirMount[] = [];
  READER.seq(node, path).items.forEach((item, i) => {
    const itemPath = fieldPath(path, i);
    const mount = _dir(item, itemPath);
    const clash = mounts.findIndex((m) => m.guest === mount.guest);
    if (clash >= 0) {
      fail(
        `guest path '${mount.guest}' is already mounted by ${
          fieldPath(path, clash)
        }`,
        itemPath,
        item,
      );
    }
    mounts.push(mount);
  });
  return mounts;
}

function _dir(node: Tree, path: string): DirMount {
  if (node.kind === "scalar" && typeof node.value === "string") {
    const text = READER.text(node, path);
    const [host, guest] = _splitMount(text);
    if (host === "" || guest === "") {
      fail(
        `'${text}' is not a mount: write 'HOST' or 'HOST::GUEST'`,
        path,
        node,
      );
    }
    return { host, guest: guest ?? host, writable: false };
  }
  if (node.kind !== "map") {
    fail(
      `must be 'HOST[::GUEST]' or a map with host, guest and writable; got ${
        describe(node)
      }`,
      path,
      node,
    );
  }
  READER.checkKeys(node, path, DIR_KEYS, ["host"]);
  const hostNode = get(node, "host")!;
  const host = READER.text(hostNode, fieldPath(path, "host"));
  if (host === "") {
    fail("must not be empty", fieldPath(path, "host"), hostNode);
  }
  const guestNode = get(node, "guest");
  const guest = guestNode
    ? READER.text(guestNode, fieldPath(path, "guest"))
    : host;
  if (guest === "") {
    fail("must not be empty", fieldPath(path, "guest"), guestNode!);
  }
  const writableNode = get(node, "writable");
  let writable = false;
  if (writableNode) {
    if (
      writableNode.kind !== "scalar" || typeof writableNode.value !== "boolean"
    ) {
      fail(
        `must be true or false; got ${describe(writableNode)}`,
        fieldPath(path, "writable"),
        writableNode,
      );
    }
    writable = writableNode.value;
  }
  return { host, guest, writable };
}

/** `HOST` → [HOST]; `HOST::GUEST` → [HOST, GUEST]. */
function _splitMount(text: string): [string, string?] {
  const at = text.indexOf("::");
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 2)];
}

function _limits(
  node: Tree | undefined,
  path: string,
  defaults: Partial<Limits>,
): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS };
  // An options object may carry `timeoutMs: undefined`; that is no default.
  for (const [key, value] of Object.entries(defaults)) {
    if (value !== undefined) limits[key as keyof Limits] = value;
  }
  if (!node) return limits;
  const map = READER.map(node, path);
  READER.checkKeys(map, path, [...LIMIT_KEYS.keys()], []);
  for (const { key, value } of map.entries) {
    const limit = LIMIT_KEYS.get(key)!;
    limits[limit] = _quantity(value, fieldPath(path, key), limit);
  }
  return limits;
}

function _quantity(node: Tree, path: string, limit: keyof Limits): number {
  if (limit === "callDepth" || limit === "concurrency") {
    return _count(node, path, limit);
  }
  const duration = limit === "timeoutMs" || limit === "maxQueueWaitMs";
  const parse = duration ? parseDuration : parseBytes;
  const format = duration ? formatDuration : formatBytes;
  const raw = node.kind === "scalar" ? node.value : undefined;
  if (typeof raw !== "string" && typeof raw !== "number") {
    fail(
      `must be ${duration ? "a duration" : "a size"}; got ${describe(node)}`,
      path,
      node,
    );
  }
  let value: number;
  try {
    value = parse(raw);
  } catch (error) {
    // The unit parsers throw field-less errors whose message is the problem.
    if (error instanceof ManifestError) fail(error.message, path, node);
    throw error;
  }
  if (value <= 0) fail(`must be positive; got '${raw}'`, path, node);
  if (value > LIMIT_MAXIMUMS[limit]) {
    fail(
      `must be at most ${format(LIMIT_MAXIMUMS[limit])}; got '${raw}'`,
      path,
      node,
    );
  }
  return value;
}

/** A limit that is a plain count, such as `callDepth`: an integer, no unit. */
function _count(node: Tree, path: string, limit: keyof Limits): number {
  const raw = node.kind === "scalar" ? node.value : undefined;
  const max = LIMIT_MAXIMUMS[limit]!;
  if (
    typeof raw !== "number" || !Number.isInteger(raw) || raw < 1 || raw > max
  ) {
    fail(
      `must be a whole number from 1 to ${max}; got ${describe(node)}`,
      path,
      node,
    );
  }
  return raw;
}

/** A map of string values whose keys `keyProblem` accepts. */
function _stringMap(
  node: Tree | undefined,
  path: string,
  keyProblem: (key: string) => string | undefined,
): Record<string, string> {
  if (!node) return {};
  const entries = READER.map(node, path).entries.map(
    ({ key, keyPosition, value }) => {
      const problem = keyProblem(key);
      if (problem) {
        READER.fail(problem, fieldPath(path, key), keyPosition);
      }
      return [key, READER.text(value, fieldPath(path, key))];
    },
  );
  // fromEntries defines own properties, so a key like `__proto__` is kept
  // as an entry instead of being taken as the object's prototype.
  return Object.fromEntries(entries);
}

/**
 * A scalar as a string, as written (`0x10` stays `0x10`, `1.50` stays
 * `1.50`). NUL is refused: WASI passes args and env as C strings.
 */
