/**
 * The workerd peer of bench/serving.ts: an ES-module worker that answers
 * `POST /<variant>` by running examples/echo/echo.wasm with the request
 * body as stdin and answering its stdout, through a WASI shim of just what
 * echo imports (fd_read of stdin, fd_write of stdout/stderr, fd_close,
 * fd_seek, proc_exit). bench/_workerd.ts writes the capnp config that
 * embeds it. Variants:
 *
 * - `fresh`: a new instance with its own fresh memory per request (as eddy
 *   isolates invocations, without its memory recycling);
 * - `recycled`: a new instance per request of the module rewritten to
 *   import its memory (`MEMORY_IMPORT` binding), given a memory zeroed
 *   after the previous request (as eddy's MemoryPool does);
 * - `reused`: one instance for every request (no isolation between them).
 *
 * @module
 */
// Wasm modules of the config (bench/_workerd.ts), imported on first use by
// name so that `deno check` of bench/ does not look for them beside this file.
const MODULES = ["./echo.wasm", "./echo_imported.wasm"];

const BADF = 8;
const SPIPE = 70;

/** The WASI state of one run: stdin to read, stdout/stderr chunks written. */
class Wasi {
  /** @type {WebAssembly.Memory | undefined} */
  memory = undefined;
  stdin = new Uint8Array(0);
  at = 0;
  /** @type {Uint8Array[]} */
  stdout = [];
  imports = {
    wasi_snapshot_preview1: {
      fd_read: (fd, iovs, count, doneAt) => this.#io(fd, iovs, count, doneAt),
      fd_write: (fd, iovs, count, doneAt) => this.#io(fd, iovs, count, doneAt),
      fd_close: () => 0,
      fd_seek: () => SPIPE,
      proc_exit: (code) => {
        throw new Exit(code);
      },
    },
  };

  /** Starts a run on `stdin`. */
  reset(stdin) {
    this.stdin = stdin;
    this.at = 0;
    this.stdout = [];
  }

  /** Runs `_start` of `instance`; returns its stdout. */
  run(instance) {
    try {
      instance.exports._start();
    } catch (error) {
      if (!(error instanceof Exit)) throw error;
      if (error.code !== 0) throw new Error(`echo exited ${error.code}`);
    }
    return this.stdout.length === 1 ? this.stdout[0] : concat(this.stdout);
  }

  #io(fd, iovs, count, doneAt) {
    if (fd > 2) return BADF;
    const view = new DataView(this.memory.buffer);
    const bytes = new Uint8Array(this.memory.buffer);
    let done = 0;
    for (let i = 0; i < count; i++) {
      const at = view.getUint32(iovs + 8 * i, true);
      const len = view.getUint32(iovs + 8 * i + 4, true);
      if (fd === 0) {
        const n = Math.min(len, this.stdin.byteLength - this.at);
        bytes.set(this.stdin.subarray(this.at, this.at + n), at);
        this.at += n;
        done += n;
        if (n < len) break;
      } else {
        if (fd === 1) this.stdout.push(bytes.slice(at, at + len));
        done += len;
      }
    }
    view.setUint32(doneAt, done, true);
    return 0;
  }
}

class Exit extends Error {
  constructor(code) {
    super(`exit ${code}`);
    this.code = code;
  }
}

function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** @type {WebAssembly.Memory[]} */
const memories = [];
const reusedWasi = new Wasi();
/** @type {WebAssembly.Instance | undefined} */
let reused;

function fresh(stdin, env) {
  const wasi = new Wasi();
  wasi.reset(stdin);
  const instance = new WebAssembly.Instance(env.echo, wasi.imports);
  wasi.memory = instance.exports.memory;
  return wasi.run(instance);
}

function recycled(stdin, env) {
  const { module, name, initialPages, maxPages } = env.MEMORY_IMPORT;
  const memory = memories.pop() ??
    new WebAssembly.Memory({ initial: initialPages, maximum: maxPages });
  const wasi = new Wasi();
  wasi.reset(stdin);
  wasi.memory = memory;
  try {
    const instance = new WebAssembly.Instance(env.echoImportingMemory, {
      ...wasi.imports,
      [module]: { [name]: memory },
    });
    return wasi.run(instance);
  } finally {
    // A grown memory is dropped; the others go back zeroed.
    if (memory.buffer.byteLength === initialPages * 65536) {
      new Uint8Array(memory.buffer).fill(0);
      memories.push(memory);
    }
  }
}

function reusing(stdin, env) {
  reusedWasi.reset(stdin);
  if (!reused) {
    reused = new WebAssembly.Instance(env.echo, reusedWasi.imports);
    reusedWasi.memory = reused.exports.memory;
  }
  return reusedWasi.run(reused);
}

/** @type {Promise<Record<string, unknown>> | undefined} */
let modules;

const VARIANTS = { fresh, recycled, reused: reusing };

export default {
  async fetch(request, env) {
    modules ??= Promise.all(MODULES.map((name) => import(name))).then((
      [echo, echoImportingMemory],
    ) => ({
      ...env,
      echo: echo.default,
      echoImportingMemory: echoImportingMemory.default,
    }));
    const variant = VARIANTS[new URL(request.url).pathname.slice(1)];
    if (request.method !== "POST" || !variant) {
      return new Response("POST /fresh, /recycled or /reused", {
        status: 404,
      });
    }
    const stdin = new Uint8Array(await request.arrayBuffer());
    return new Response(variant(stdin, await modules));
  },
};
