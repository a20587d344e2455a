// wordcount — counts stdin like `wc`: prints "LINES WORDS BYTES\n".
//
// Lines are "\n" bytes; words are maximal runs of bytes other than ASCII
// whitespace (space, \t, \n, \v, \f, \r), so for UTF-8 text the counts are
// those of `wc` in a UTF-8 locale (GNU wc ignores control bytes and invalid
// UTF-8, which count as word bytes here). Streams in 64 KiB chunks through
// one static buffer.
//
//   printf 'one two\nthree\n' | eddy invoke wordcount    # 2 3 14
//
// Build (AssemblyScript + @assemblyscript/wasi-shim, see ../build.ts):
//   asc wordcount.ts --config node_modules/@assemblyscript/wasi-shim/asconfig.json
//     --runtime stub -O3 -o wordcount.wasm

import { fd_read } from "bindings/wasi_snapshot_preview1";

const SIZE: usize = 64 * 1024;
const BUF = memory.data(SIZE as i32);
const IOV = memory.data(8); // one iovec: { buf: usize, len: usize }
const COUNT = memory.data(4); // bytes read

let lines: u64 = 0;
let words: u64 = 0;
let bytes: u64 = 0;
let inWord = false;

while (true) {
  store<usize>(IOV, BUF);
  store<usize>(IOV, SIZE, 4);
  const err = fd_read(0, IOV, 1, COUNT);
  if (err != 0) {
    process.stderr.write(`wordcount: read stdin failed (errno ${err})\n`);
    process.exit(1);
  }
  const n = load<usize>(COUNT);
  if (n == 0) break;
  bytes += n;
  for (let p = BUF; p < BUF + n; p++) {
    const c = load<u8>(p);
    if (c == 0x0a) lines++;
    const space = c == 0x20 || (c >= 0x09 && c <= 0x0d); // ' ' \t \n \v \f \r
    if (!space && !inWord) words++;
    inWord = !space;
  }
}

process.stdout.write(`${lines} ${words} ${bytes}\n`);
