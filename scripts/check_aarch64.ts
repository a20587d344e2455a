/**
 * `deno task check:aarch64 [--json FILE]`: proves the single-file build on
 * aarch64 (a Raspberry Pi's architecture) without one. It bundles eddy, runs
 * the bundle with an aarch64 `deno` under `qemu-aarch64` and with this
 * machine's `deno`, deploys examples/echo and examples/sha256 on each over
 * the API, invokes them with the same 1 MiB of random bytes, and checks that
 * both nodes answer the same bytes (compared by SHA-256) and the right ones.
 * It also writes and reads a file through a writable mount (examples/notes),
 * which on each platform goes through libc's openat2 by FFI.
 *
 * Exit codes: 0 the same bytes came back; 1 they did not, or a node failed;
 * 3 this machine cannot run the check (emulator or libraries missing, npm
 * unreachable), which says nothing about eddy.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import {
  AARCH64_DENO_VERSION,
  AARCH64_SYSROOT,
  aarch64Deno,
  requireEmulator,
  Unavailable,
} from "./_aarch64_deno.ts";
import { machine } from "./_machine.ts";
import { bundle } from "./bundle.ts";
import { deploy, invoke, putModule, randomBytes, sha256Hex } from "./_http.ts";
import { startServe } from "./_serve_process.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** Under emulation V8 itself runs ~20-50x slower; startup takes tens of seconds. */
const EMULATED_LISTEN_TIMEOUT_MS = 300_000;

/** How one platform did. */
interface PlatformRun {
  platform: string;
  deno: string;
  listenMs: number;
  deployMs: number;
  echoMs: number;
  echoSha256: string;
  sha256Ms: number;
  sha256Output: string;
  sha256OfAbc: string;
  /** What a function with a writable mount wrote and read back (openat2 via FFI). */
  mountRoundTrip: string;
}

/** How to start `deno` on one platform. */
interface Platform {
  name: string;
  command: string;
  prefix: string[];
  env: Record<string, string>;
  listenTimeoutMs: number;
}

async function exercise(
  platform: Platform,
  file: string,
  work: string,
  input: Uint8Array<ArrayBuffer>,
): Promise<PlatformRun> {
  const version = await new Deno.Command(platform.command, {
    args: [...platform.prefix, "--version"],
    env: platform.env,
    stdout: "piped",
  }).output();
  const deno = new TextDecoder().decode(version.stdout).split(" (")[0];
  const dataDir = await Deno.makeTempDir({ dir: work, prefix: "data-" });
  const started = performance.now();
  await using node = await startServe(platform.command, [
    ...platform.prefix,
    "run",
    "-A",
    file,
    "serve",
    "--port",
    "0",
    "--data-dir",
    dataDir,
  ], { cwd: work, env: platform.env, timeoutMs: platform.listenTimeoutMs });
  const listenMs = performance.now() - started;
  const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now();
    return [await f(), performance.now() - t0];
  };
  const [, deployMs] = await timed(async () => {
    await deploy(node.url, "echo", await example("echo"));
    await deploy(node.url, "sha256", await example("sha256"));
  });
  const [echoed, echoMs] = await timed(() =>
    invoke(node.url, "echo", input.slice())
  );
  const [hashed, sha256Ms] = await timed(() =>
    invoke(node.url, "sha256", input.slice())
  );
  const abc = await invoke(
    node.url,
    "sha256",
    new TextEncoder().encode("abc"),
  );
  const mountRoundTrip = await mountRoundTripOn(node.url, dataDir);
  const code = await node.stop();
  if (code !== 0) {
    throw new Error(`${platform.name}: serve exited with ${code}`);
  }
  const text = new TextDecoder();
  return {
    platform: platform.name,
    deno,
    listenMs: Math.round(listenMs),
    deployMs: Math.round(deployMs),
    echoMs: Math.round(echoMs),
    echoSha256: await sha256Hex(echoed),
    sha256Ms: Math.round(sha256Ms),
    sha256Output: text.decode(hashed).trim(),
    sha256OfAbc: text.decode(abc).trim(),
    mountRoundTrip,
  };
}

/** The note that examples/notes writes to a mount and reads back. */
const NOTE = "kept under a kernel-confined mount";

/**
 * Deploys examples/notes twice over one writable mount (put, get) and
 * answers what the host file holds and what `get` returned, joined by "|".
 */
async function mountRoundTripOn(url: string, dir: string): Promise<string> {
  const mount = `${dir}/mount`;
  await Deno.mkdir(mount);
  const digest = await putModule(url, await example("notes"));
  const dirs = `[{host: "${mount}", guest: /data, writable: true}]`;
  const applied = await fetch(`${url}/v1/manifests`, {
    method: "POST",
    headers: { "content-type": "application/yaml" },
    body: `functions:
  - {name: put, module: "${digest}", args: [put, a.txt], dirs: ${dirs}}
  - {name: get, module: "${digest}", args: [get, a.txt], dirs: ${dirs}}
`,
  });
  if (applied.status !== 200) {
    throw new Error(`deploy with a mount: ${await applied.text()}`);
  }
  await invoke(url, "put", new TextEncoder().encode(NOTE));
  const got = await invoke(url, "get", new Uint8Array());
  return `${await Deno.readTextFile(`${mount}/a.txt`)}|${
    new TextDecoder().decode(got)
  }`;
}

function example(name: string): Promise<Uint8Array<ArrayBuffer>> {
  return Deno.readFile(`${ROOT}examples/${name}/${name}.wasm`);
}

/** Every way the two runs could disagree with each other or the truth. */
function problems(
  runs: PlatformRun[],
  inputSha256: string,
): string[] {
  const abc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  const found: string[] = [];
  for (const r of runs) {
    if (r.echoSha256 !== inputSha256) {
      found.push(`${r.platform}: echo returned other bytes`);
    }
    if (r.sha256Output !== inputSha256) {
      found.push(`${r.platform}: sha256 of the input is ${r.sha256Output}`);
    }
    if (r.sha256OfAbc !== abc) {
      found.push(`${r.platform}: sha256("abc") is ${r.sha256OfAbc}`);
    }
    if (r.mountRoundTrip !== `${NOTE}|${NOTE}`) {
      found.push(`${r.platform}: a mount round trip gave ${r.mountRoundTrip}`);
    }
  }
  return found;
}

function report(runs: PlatformRun[], totalMs: number): void {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const rows: [string, (r: PlatformRun) => string][] = [
    ["deno", (r) => r.deno],
    ["start to listening", (r) => s(r.listenMs)],
    ["deploy echo + sha256", (r) => s(r.deployMs)],
    ["invoke echo, 1 MiB", (r) => s(r.echoMs)],
    ["invoke sha256, 1 MiB", (r) => s(r.sha256Ms)],
    ["echo output sha256", (r) => r.echoSha256.slice(0, 16)],
    ["sha256 output", (r) => r.sha256Output.slice(0, 16)],
    [
      "mount write + read",
      (r) => r.mountRoundTrip === `${NOTE}|${NOTE}` ? "same note" : "differs",
    ],
  ];
  console.log(
    ["".padEnd(22), ...runs.map((r) => r.platform.padEnd(32))].join(""),
  );
  for (const [label, cell] of rows) {
    console.log(
      [label.padEnd(22), ...runs.map((r) => cell(r).padEnd(32))].join(""),
    );
  }
  console.log(`whole check: ${s(totalMs)}`);
}

async function check(jsonPath: string | undefined): Promise<number> {
  const started = performance.now();
  await requireEmulator();
  console.log(`fetching deno ${AARCH64_DENO_VERSION} for aarch64 from npm`);
  const armDeno = await aarch64Deno();
  const work = await Deno.makeTempDir({ prefix: "eddy-aarch64-check-" });
  try {
    const file = `${work}/eddy.js`;
    await bundle(file);
    const input = randomBytes(1 << 20);
    const inputSha256 = await sha256Hex(input);
    const platforms: Platform[] = [
      {
        name: `${Deno.build.arch} (native)`,
        command: Deno.execPath(),
        prefix: [],
        env: {},
        listenTimeoutMs: 30_000,
      },
      {
        name: "aarch64 (qemu-aarch64)",
        command: "qemu-aarch64",
        prefix: ["-L", AARCH64_SYSROOT, armDeno],
        // A cache of its own: nothing compiled by the x86 deno is reused,
        // so this is a first start, as on a freshly set-up Pi.
        env: { DENO_DIR: `${work}/deno-dir-aarch64` },
        listenTimeoutMs: EMULATED_LISTEN_TIMEOUT_MS,
      },
    ];
    const runs: PlatformRun[] = [];
    for (const platform of platforms) {
      console.log(`running the bundle on ${platform.name}`);
      runs.push(await exercise(platform, file, work, input));
    }
    const totalMs = performance.now() - started;
    report(runs, totalMs);
    const found = problems(runs, inputSha256);
    if (jsonPath) {
      await Deno.writeTextFile(
        jsonPath,
        JSON.stringify(
          {
            check: "aarch64",
            machine: machine(),
            inputBytes: input.byteLength,
            inputSha256,
            runs,
            totalMs: Math.round(totalMs),
            ok: found.length === 0,
          },
          null,
          2,
        ) + "\n",
      );
    }
    for (const p of found) console.error(`MISMATCH ${p}`);
    console.log(
      found.length ? "aarch64 check FAILED" : "aarch64 check ok: same bytes",
    );
    return found.length ? 1 : 0;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--json");
  const jsonPath = at >= 0 ? Deno.args[at + 1] : undefined;
  try {
    Deno.exit(await check(jsonPath));
  } catch (error) {
    if (error instanceof Unavailable) {
      console.error(`aarch64 check unavailable here: ${error.message}`);
      Deno.exit(3);
    }
    console.error(`aarch64 check FAILED: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
