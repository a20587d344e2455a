/**
 * Shared pieces of the comm tests: payloads and their digests, a peer in
 * its own process, and a test CA with a leaf certificate for TLS.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { CommHandler } from "../../comm/mod.ts";
import { tempDir } from "./temp.ts";

/** Hex SHA-256 of `bytes`. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    bytes as Uint8Array<ArrayBuffer>,
  );
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/** `size` pseudo-random bytes (fast for large sizes, unlike getRandomValues' 64 KiB cap). */
export function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  const seed = crypto.getRandomValues(new Uint8Array(65536));
  for (let at = 0; at < size; at += seed.byteLength) {
    bytes.set(seed.subarray(0, Math.min(seed.byteLength, size - at)), at);
    seed[at % seed.byteLength] ^= 0x5a;
  }
  return bytes;
}

const hanging = new Set<() => void>();

/**
 * Answers the calls to `hang` still waiting (503), so that a server that
 * waits for its handlers on shutdown (Deno.serve) can stop.
 */
export function releaseHangs(): void {
  for (const release of hanging) release();
  hanging.clear();
}

/**
 * Target `echo` (any target) answers the payload with its SHA-256 in header
 * `sha256`; `digest` answers only the header; `hang` answers only at
 * {@linkcode releaseHangs}; `fail` throws.
 */
export const testHandler: CommHandler = async (req) => {
  if (req.target === "hang") {
    await new Promise<void>((resolve) => hanging.add(resolve));
    return { status: 503, headers: {}, payload: new Uint8Array() };
  }
  if (req.target === "fail") throw new Error("handler failed on purpose");
  return {
    status: 200,
    headers: { sha256: await sha256(req.payload), ...req.headers },
    payload: req.target === "digest" ? new Uint8Array() : req.payload,
  };
};

/** A `_comm_peer.ts` process serving comm calls. */
export interface PeerProcess {
  endpoint: string;
  kill(): Promise<void>;
}

/** Starts `_comm_peer.ts` with `args` and waits until it serves. */
export async function startPeer(args: string[]): Promise<PeerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      fileURLToPath(new URL("_comm_peer.ts", import.meta.url)),
      ...args,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/ready (\S+)/.test(seen)) {
    const { done, value } = await lines.read();
    if (done) throw new Error(`peer exited before it was ready: ${seen}`);
    seen += value;
  }
  const endpoint = /ready (\S+)/.exec(seen)![1];
  return {
    endpoint,
    async kill() {
      child.kill("SIGKILL");
      await child.status;
      await lines.cancel();
    },
  };
}

/** PEM files of a test CA and a leaf certificate for 127.0.0.1 and localhost. */
export interface TestCerts {
  ca: string;
  cert: string;
  key: string;
}

/**
 * Makes a CA (CA:TRUE) and a leaf it signs (CA:FALSE, SAN IP:127.0.0.1 and
 * DNS:localhost) with `openssl`: rustls refuses a self-signed CA used as an
 * end entity.
 */
export async function makeCerts(): Promise<TestCerts> {
  const dir = await tempDir();
  const run = async (...args: string[]) => {
    const out = await new Deno.Command("openssl", {
      args,
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  };
  // A fresh P-256 key written to `file`, unencrypted.
  const newKey = (file: string) => [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    file,
  ];
  try {
    await Deno.writeTextFile(
      `${dir}/leaf.ext`,
      "basicConstraints=critical,CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    );
    await run(
      "req",
      "-x509",
      ...newKey("ca.key"),
      "-out",
      "ca.pem",
      "-days",
      "1",
      "-subj",
      "/CN=eddy test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
    await run(
      "req",
      ...newKey("leaf.key"),
      "-out",
      "leaf.csr",
      "-subj",
      "/CN=localhost",
    );
    await run(
      "x509",
      "-req",
      "-in",
      "leaf.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "leaf.pem",
      "-days",
      "1",
      "-extfile",
      "leaf.ext",
    );
    return {
      ca: await Deno.readTextFile(`${dir}/ca.pem`),
      cert: await Deno.readTextFile(`${dir}/leaf.pem`),
      key: await Deno.readTextFile(`${dir}/leaf.key`),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
