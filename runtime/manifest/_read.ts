/**
 * The rules of a manifest, applied to a {@link Tree}: required and known
 * keys, types, name and env patterns, sizes, durations and their bounds.
 * Every failure is a ManifestError naming the field path and, for YAML,
 * the line and column of the node at fault.
 *
 * @module
 */
import { ManifestError, type SourcePosition } from "../errors.ts";
import { isDigest } from "../module/digest.ts";
import { fieldPath } from "./_path.ts";
import { closest } from "./_suggest.ts";
import type { Tree, TreeMap, TreeScalar, TreeSeq } from "./_tree.ts";
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
  if (!root || _isNull(root)) {
    throw new ManifestError(
      "manifest is empty; expected a top-level 'functions:' list",
      undefined,
      root?.position,
    );
  }
  const top = _map(root, "");
  _checkKeys(top, "", ["functions"], ["functions"]);
  const list = _seq(_get(top, "functions")!, "functions");
  const seen = new Map<string, { path: string; position?: SourcePosition }>();
  const functions = list.items.map((item, i) => {
    const path = fieldPath("functions", i);
    const spec = readFunction(item, path, defaults);
    const nameNode = _get(item as TreeMap, "name")!;
    const first = seen.get(spec.name);
    if (first) {
      const where = first.position ? `, line ${first.position.line}` : "";
      throw new ManifestError(
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
  const map = _map(node, path);
  _checkKeys(map, path, FUNCTION_KEYS, ["name", "module"]);
  const field = (key: string) => fieldPath(path, key);
  const optional = (key: string) => _get(map, key);
  const dirs = _dirs(optional("dirs"), field("dirs"));
  const state = _state(optional("state"), field("state"), dirs, field("dirs"));
  return {
    name: _name(_get(map, "name")!, field("name")),
    module: _module(_get(map, "module")!, field("module")),
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
  _seq(node, path).items.forEach((item, i) => {
    const itemPath = fieldPath(path, i);
    const map = _map(item, itemPath);
    _checkKeys(map, itemPath, STATE_KEYS, ["bucket", "mount"]);
    const bucketNode = _get(map, "bucket")!;
    const bucket = _text(bucketNode, fieldPath(itemPath, "bucket"));
    if (!FUNCTION_NAME_PATTERN.test(bucket)) {
      _fail(
        `invalid bucket name '${bucket}': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
        fieldPath(itemPath, "bucket"),
        bucketNode,
      );
    }
    const mountNode = _get(map, "mount")!;
    const mountPath = fieldPath(itemPath, "mount");
    const mount = _text(mountNode, mountPath);
    if (!/^(\/[^/]+)+$/.test(mount) || /\/\.\.?(\/|$)/.test(mount)) {
      _fail(
        `'${mount}' is not a mount path: write an absolute path such as /state, without '.', '..', '//' or a trailing '/'`,
        mountPath,
        mountNode,
      );
    }
    const clash = _mountClash(mount, dirs.map((d) => d.guest), dirsPath) ??
      _mountClash(mount, mounts.map((m) => m.mount), path);
    if (clash) _fail(clash, mountPath, mountNode);
    const twice = mounts.findIndex((m) => m.bucket === bucket);
    if (twice >= 0) {
      _fail(
        `bucket '${bucket}' is already mounted by ${fieldPath(path, twice)}`,
        fieldPath(itemPath, "bucket"),
        bucketNode,
      );
    }
    const readOnlyNode = _get(map, "readOnly");
    if (
      readOnlyNode &&
      (readOnlyNode.kind !== "scalar" ||
        typeof readOnlyNode.value !== "boolean")
    ) {
      _fail(
        `must be true or false; got ${_describe(readOnlyNode)}`,
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
  const name = _text(node, path);
  if (!FUNCTION_NAME_PATTERN.test(name)) {
    _fail(
      `invalid function name '${name}': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
      path,
      node,
    );
  }
  return name;
}

function _module(node: Tree, path: string): string {
  const module = _text(node, path);
  if (module === "") _fail("must not be empty", path, node);
  if (module.startsWith("sha256:") && !isDigest(module)) {
    _fail(
      `malformed digest '${module}': expected 'sha256:' and 64 lowercase hex digits`,
      path,
      node,
    );
  }
  return module;
}

function _args(node: Tree | undefined, path: string): string[] {
  if (!node) return [];
  return _seq(node, path).items.map((item, i) =>
    _text(item, fieldPath(path, i))
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
  _seq(node, path).items.forEach((item, i) => {
    const itemPath = fieldPath(path, i);
    const mount = _dir(item, itemPath);
    const clash = mounts.findIndex((m) => m.guest === mount.guest);
    if (clash >= 0) {
      _fail(
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
    const text = _text(node, path);
    const [host, guest] = _splitMount(text);
    if (host === "" || guest === "") {
      _fail(
        `'${text}' is not a mount: write 'HOST' or 'HOST::GUEST'`,
        path,
        node,
      );
    }
    return { host, guest: guest ?? host, writable: false };
  }
  if (node.kind !== "map") {
    _fail(
      `must be 'HOST[::GUEST]' or a map with host, guest and writable; got ${
        _describe(node)
      }`,
      path,
      node,
    );
  }
  _checkKeys(node, path, DIR_KEYS, ["host"]);
  const hostNode = _get(node, "host")!;
  const host = _text(hostNode, fieldPath(path, "host"));
  if (host === "") {
    _fail("must not be empty", fieldPath(path, "host"), hostNode);
  }
  const guestNode = _get(node, "guest");
  const guest = guestNode ? _text(guestNode, fieldPath(path, "guest")) : host;
  if (guest === "") {
    _fail("must not be empty", fieldPath(path, "guest"), guestNode!);
  }
  const writableNode = _get(node, "writable");
  let writable = false;
  if (writableNode) {
    if (
      writableNode.kind !== "scalar" || typeof writableNode.value !== "boolean"
    ) {
      _fail(
        `must be true or false; got ${_describe(writableNode)}`,
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
  const map = _map(node, path);
  _checkKeys(map, path, [...LIMIT_KEYS.keys()], []);
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
  const duration = limit === "timeoutMs";
  const parse = duration ? parseDuration : parseBytes;
  const format = duration ? formatDuration : formatBytes;
  const raw = node.kind === "scalar" ? node.value : undefined;
  if (typeof raw !== "string" && typeof raw !== "number") {
    _fail(
      `must be ${duration ? "a duration" : "a size"}; got ${_describe(node)}`,
      path,
      node,
    );
  }
  let value: number;
  try {
    value = parse(raw);
  } catch (error) {
    // The unit parsers throw field-less errors whose message is the problem.
    if (error instanceof ManifestError) _fail(error.message, path, node);
    throw error;
  }
  if (value <= 0) _fail(`must be positive; got '${raw}'`, path, node);
  if (value > LIMIT_MAXIMUMS[limit]) {
    _fail(
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
    _fail(
      `must be a whole number from 1 to ${max}; got ${_describe(node)}`,
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
  const entries = _map(node, path).entries.map(
    ({ key, keyPosition, value }) => {
      const problem = keyProblem(key);
      if (problem) {
        throw new ManifestError(problem, fieldPath(path, key), keyPosition);
      }
      return [key, _text(value, fieldPath(path, key))];
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
function _text(node: Tree, path: string): string {
  const ok = node.kind === "scalar" &&
    ["string", "number", "boolean"].includes(typeof node.value);
  if (!ok) {
    _fail(
      `must be a string, number or boolean; got ${_describe(node)}`,
      path,
      node,
    );
  }
  if ((node as TreeScalar).text.includes("\0")) {
    _fail("must not contain NUL characters", path, node);
  }
  return (node as TreeScalar).text;
}

function _map(node: Tree, path: string): TreeMap {
  if (node.kind !== "map") {
    _fail(`must be a map (key: value); got ${_describe(node)}`, path, node);
  }
  return node;
}

function _seq(node: Tree, path: string): TreeSeq {
  if (node.kind !== "seq") {
    _fail(`must be a list; got ${_describe(node)}`, path, node);
  }
  return node;
}

function _get(map: TreeMap, key: string): Tree | undefined {
  return map.entries.find((entry) => entry.key === key)?.value;
}

/** Unknown keys are errors (a typo must not silently drop a setting). */
function _checkKeys(
  map: TreeMap,
  path: string,
  known: string[],
  required: string[],
): void {
  for (const { key, keyPosition } of map.entries) {
    if (known.includes(key)) continue;
    const guess = closest(key, known);
    const hint = guess
      ? `did you mean '${guess}'?`
      : `expected one of: ${known.join(", ")}`;
    throw new ManifestError(
      `unknown key '${key}'; ${hint}`,
      fieldPath(path, key),
      keyPosition,
    );
  }
  for (const key of required) {
    if (!_get(map, key)) {
      _fail(`missing required key '${key}'`, fieldPath(path, key), map);
    }
  }
}

function _isNull(node: Tree): boolean {
  return node.kind === "scalar" &&
    (node.value === null || node.value === undefined);
}

/** How a wrong node is named in messages. */
function _describe(node: Tree): string {
  if (node.kind === "map") return "a map";
  if (node.kind === "seq") return "a list";
  if (_isNull(node)) return "nothing";
  return typeof node.value === "string"
    ? `'${node.text}'`
    : `${typeof node.value} ${node.text}`;
}

function _fail(problem: string, path: string, node: Tree): never {
  throw new ManifestError(problem, path || undefined, node.position);
}
