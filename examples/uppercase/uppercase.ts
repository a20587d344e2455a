// uppercase — copies stdin to stdout with ASCII letters a-z upper-cased.
//
// Every other byte (UTF-8, binary) passes through unchanged. Streams in
// 64 KiB chunks through one static buffer: no heap allocation per chunk.
//
//   echo 'hello, wörld' | eddy invoke uppercase     # HELLO, WöRLD
//
// Build (AssemblyScript + @assemblyscript/wasi-shim, see ../build.ts):
//   asc uppercase.ts --config node_modules/@assemblyscript/wasi-shim/asconfig.json
//     --runtime stub -O3 -o uppercase.wasm

import { fd_read, fd_write } from "bindings/wasi_snapshot_preview1";

const SIZE: usize = 64 * 1024;
const BUF = memory.data(SIZE as i32);
const IOV = memory.data(8); // one iovec: { buf: usize, len: usize }
const COUNT = memory.data(4); // bytes read or written

/** Fails with a message on stderr and exit code 1. */
function fail(what: string, errno: u16): void {
  process.stderr.write(`uppercase: ${what} failed (errno ${errno})\n`);
  process.exit(1);
}

/** Writes BUF[0..len) to stdout, looping over partial writes. */
function writeAll(len: usize): void {
  let off: usize = 0;
  while (off < len) {
    store<usize>(IOV, BUF + off);
    store<usize>(IOV, len - off, 4);
    const err = fd_write(1, IOV, 1, COUNT);
    if (err != 0) fail("write stdout", err);
    off += load<usize>(COUNT);
  }
}

while (true) {
  store<usize>(IOV, BUF);
  store<usize>(IOV, SIZE, 4);
  const err = fd_read(0, IOV, 1, COUNT);
  if (err != 0) fail("read stdin", err);
  const n = load<usize>(COUNT);
  if (n == 0) break;
  for (let p = BUF; p < BUF + n; p++) {
    const c = load<u8>(p);
    if (c >= 0x61 && c <= 0x7a) store<u8>(p, c - 0x20); // 'a'..'z' -> 'A'..'Z'
  }
  writeAll(n);
}
