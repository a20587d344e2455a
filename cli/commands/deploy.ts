/**
 * `eddy deploy`: deploy a module under a name, or apply a manifest.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import {
  type FunctionSpec,
  LIMIT_FIELDS,
  parseManifest,
} from "../../runtime/manifest/mod.ts";
import { dirMounts, keyValues, parseFlags, UsageError } from "../args.ts";
import { Client, CLIENT_FLAGS, CLIENT_HELP } from "../client.ts";
import type { Command } from "../command.ts";
import { alignFlags } from "../help.ts";
import { readInput } from "./invoke.ts";

const HELP = alignFlags(`usage: eddy deploy [FLAGS] NAME MODULE.wasm
       eddy deploy [FLAGS] MANIFEST.yaml

Uploads modules and deploys functions on a node. Module and directory paths
in a manifest are relative to the manifest's folder.

  -f, --file MANIFEST     apply a manifest (all its functions, or none); a lone
                          argument ending in .yaml, .yml or .json is one too
  --arg ARG               append an argument to the function's argv (repeatable)
  --env KEY=VALUE         set an environment variable (repeatable)
  --dir HOST[::GUEST]     preopen a directory read-only (repeatable)
  --dir-rw HOST[::GUEST]  preopen a directory read-write (repeatable)
  --state BUCKET::MOUNT   mount state bucket BUCKET at MOUNT (repeatable)
  --state-ro BUCKET::MOUNT  the same, read-only
  --memory SIZE           memory limit, e.g. 64MiB
  --timeout DURATION      time limit, e.g. 5s or 250ms
  --max-input SIZE        largest input accepted
  --max-output SIZE       largest output allowed
  --call-depth N          how deep its calls to functions may chain (default 8)
  --label KEY=VALUE       attach a label (repeatable)
${CLIENT_HELP}`);

/** `eddy deploy`. */
export const deployCommand: Command = {
  name: "deploy",
  summary: "deploy a module or apply a manifest",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags("deploy", argv, {
      ...CLIENT_FLAGS,
      file: { type: "string", short: "f" },
      arg: { type: "string", multiple: true },
      env: { type: "string", multiple: true },
      dir: { type: "string", multiple: true },
      "dir-rw": { type: "string", multiple: true },
      state: { type: "string", multiple: true },
      "state-ro": { type: "string", multiple: true },
      memory: { type: "string" },
      timeout: { type: "string" },
      "max-input": { type: "string" },
      "max-output": { type: "string" },
      "call-depth": { type: "string" },
      label: { type: "string", multiple: true },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const client = new Client(values as { url?: string; token?: string });
    const lone = positionals.length === 1 &&
        /\.(ya?ml|json)$/i.test(positionals[0])
      ? positionals.pop()
      : undefined;
    const manifest = (values.file as string | undefined) ?? lone;
    const uploads = new Set<string>();
    let functions: FunctionSpec[];
    try {
      const document = manifest !== undefined
        ? await fromManifest(client, manifest, positionals, uploads)
        : await fromFlags(client, values, positionals, uploads);
      ({ functions } = await client.json<{ functions: FunctionSpec[] }>(
        "POST",
        "/v1/manifests",
        JSON.stringify(document),
        { "content-type": "application/json" },
      ));
    } catch (error) {
      // A refused deploy takes back the modules it uploaded; the node keeps
      // any that a deployment uses (409).
      for (const digest of uploads) {
        await client.request("DELETE", `/v1/modules/${digest}`).catch(() => {});
      }
      throw error;
    }
    for (const f of functions) console.log(`deployed ${f.name} (${f.module})`);
    return 0;
  },
};

async function fromManifest(
  client: Client,
  path: string,
  positionals: string[],
  uploads: Set<string>,
): Promise<unknown> {
  if (positionals.length) {
    throw new UsageError(
      "deploy",
      `unexpected argument '${positionals[0]}' with -f`,
    );
  }
  const text = new TextDecoder().decode(await readInput("deploy", path));
  const base = dirname(resolve(path));
  const { functions } = await parseManifest(text);
  const uploaded = new Map<string, string>();
  for (const fn of functions) {
    if (!fn.module.startsWith("sha256:")) {
      const file = resolve(base, fn.module);
      if (!uploaded.has(file)) {
        uploaded.set(file, await upload(client, file, uploads));
      }
      fn.module = uploaded.get(file)!;
    }
    for (const dir of fn.dirs) dir.host = resolve(base, dir.host);
  }
  return {
    functions: functions.map((fn) => ({
      name: fn.name,
      module: fn.module,
      args: fn.args,
      env: fn.env,
      dirs: fn.dirs,
      ...(fn.state ? { state: fn.state } : {}),
      labels: fn.labels,
      // Every limit the manifest set, by the name the API reads it by.
      limits: Object.fromEntries(
        Object.entries(LIMIT_FIELDS).flatMap(([key, field]) => {
          const value = fn.limits[key as keyof typeof LIMIT_FIELDS];
          return value === undefined ? [] : [[field, value]];
        }),
      ),
    })),
  };
}

async function fromFlags(
  client: Client,
  values: Record<string, unknown>,
  positionals: string[],
  uploads: Set<string>,
): Promise<unknown> {
  const [name, path, extra] = positionals;
  if (!name || !path) {
    throw new UsageError("deploy", "wants NAME MODULE.wasm, or MANIFEST.yaml");
  }
  if (extra) throw new UsageError("deploy", `unexpected argument '${extra}'`);
  const limits = Object.fromEntries(
    [["memory", "memory"], ["timeout", "timeout"], [
      "maxInput",
      "max-input",
    ], ["maxOutput", "max-output"]]
      .filter(([, flag]) => values[flag] !== undefined)
      .map(([key, flag]) => [key, values[flag]]),
  );
  // A count, not a size: a number when it reads as one, else the manifest's
  // error names what was given.
  const depth = values["call-depth"] as string | undefined;
  if (depth !== undefined) {
    limits.callDepth = /^\d+$/.test(depth) ? Number(depth) : depth;
  }
  return {
    functions: [{
      name,
      module: await upload(client, resolve(path), uploads),
      args: (values.arg as string[] | undefined) ?? [],
      env: keyValues("deploy", "--env", values.env),
      dirs: [
        ...dirMounts(values.dir, false),
        ...dirMounts(values["dir-rw"], true),
      ].map((d) => ({ ...d, host: resolve(d.host) })),
      state: [
        ...stateMounts("--state", values.state, false),
        ...stateMounts("--state-ro", values["state-ro"], true),
      ],
      labels: keyValues("deploy", "--label", values.label),
      limits,
    }],
  };
}

/** `BUCKET::MOUNT` flags as manifest state entries (the node validates them). */
function stateMounts(
  flag: string,
  given: unknown,
  readOnly: boolean,
): { bucket: string; mount: string; readOnly: boolean }[] {
  return ((given as string[] | undefined) ?? []).map((text) => {
    const at = text.indexOf("::");
    if (at <= 0 || at + 2 === text.length) {
      throw new UsageError(
        "deploy",
        `${flag} wants BUCKET::MOUNT; got '${text}'`,
      );
    }
    return { bucket: text.slice(0, at), mount: text.slice(at + 2), readOnly };
  });
}

/** Uploads the module at `path`; its digest goes into `uploads`. */
async function upload(
  client: Client,
  path: string,
  uploads: Set<string>,
): Promise<string> {
  const bytes = await readInput("deploy", path);
  const info = await client.json<{ digest: string }>(
    "PUT",
    "/v1/modules",
    bytes,
    { "content-type": "application/wasm" },
  );
  uploads.add(info.digest);
  return info.digest;
}
