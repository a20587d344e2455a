// pipeline — chains two functions from inside a guest.
//
// Calls "uppercase" with stdin, then "sha256" with what it returned, and
// prints that: the hex SHA-256 of the upper-cased input. Both calls go
// through eddy's `call` host import, so either function may run on another
// node; the guest just sees two synchronous calls.
//
//   echo hi | eddy invoke pipeline     # sha256 of "HI\n"
//
// Build (AssemblyScript + @assemblyscript/wasi-shim, see ../build.ts):
//   asc pipeline.ts --config node_modules/@assemblyscript/wasi-shim/asconfig.json
//     --runtime stub -O3 -o pipeline.wasm

import { fd_read } from "bindings/wasi_snapshot_preview1";

// The eddy host imports (ABI in README.md, "Calling other functions").

declare function eddyCall(
  name: usize,
  nameLen: u32,
  input: usize,
  inputLen: u32,
  outputLen: usize,
): i32;

declare function eddyResult(buf: usize, bufLen: u32): i32;

const CHUNK: usize = 64 * 1024;
const IOV = memory.data(8);
const COUNT = memory.data(4);
const OUT_LEN = memory.data(4);

/** Reads all of stdin into a fresh buffer. */
function readStdin(): ArrayBuffer {
  let data = new ArrayBuffer(i32(CHUNK));
  let len: usize = 0;
  while (true) {
    if (len == <usize> data.byteLength) {
      const bigger = new ArrayBuffer(data.byteLength * 2);
      memory.copy(changetype<usize>(bigger), changetype<usize>(data), len);
      data = bigger;
    }
    store<usize>(IOV, changetype<usize>(data) + len);
    store<usize>(IOV, <usize> data.byteLength - len, 4);
    if (fd_read(0, IOV, 1, COUNT) != 0) fail("reading stdin failed");
    const n = load<usize>(COUNT);
    if (n == 0) break;
    len += n;
  }
  return data.slice(0, i32(len));
}

/** Calls function `name` with `input` and returns its output. */
function call(name: string, input: ArrayBuffer): ArrayBuffer {
  const encoded = String.UTF8.encode(name);
  const status = eddyCall(
    changetype<usize>(encoded),
    encoded.byteLength,
    changetype<usize>(input),
    input.byteLength,
    OUT_LEN,
  );
  const output = new ArrayBuffer(load<u32>(OUT_LEN));
  eddyResult(changetype<usize>(output), output.byteLength);
  if (status != 0) {
    fail(
      `calling ${name} failed (status ${status}): ${
        String.UTF8.decode(output)
      }`,
    );
  }
  return output;
}

function fail(message: string): void {
  process.stderr.write(`pipeline: ${message}\n`);
  process.exit(1);
}

const hash = call("sha256", call("uppercase", readStdin()));
process.stdout.write(String.UTF8.decode(hash));
