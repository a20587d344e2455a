// deno-fmt-ignore-file
// tally — the counter example in AssemblyScript: counts its invocations
// exactly, however many run at once.
//
// Adds 1 to the decimal number under key "tally" in bucket "counters" and
// prints the new count: kv_get, then kv_cas on the revision read, again on
// a conflict. Needs `state: [{ bucket: counters, mount: /counters }]`.
//
// Build (AssemblyScript + @assemblyscript/wasi-shim, see ../build.ts):
//   asc tally.ts --config node_modules/@assemblyscript/wasi-shim/asconfig.json
//     --runtime stub -O3 -o tally.wasm

// The eddy state imports (ABI in ../eddy.h and README.md, "State").
@external("eddy", "kv_get")
declare function kvGet(bucket: usize, bucketLen: u32, key: usize, keyLen: u32,
  buf: usize, bufLen: u32, len: usize, revision: usize): i32;

@external("eddy", "kv_cas")
declare function kvCas(bucket: usize, bucketLen: u32, key: usize, keyLen: u32,
  value: usize, valueLen: u32, expected: u64, revision: usize): i32;

const OK = 0;
const NOT_FOUND = 1;
const CONFLICT = 8;

const LEN = memory.data(4);
const REVISION = memory.data(8);
const BUF = memory.data(32);

function fail(message: string): void {
  process.stderr.write(`tally: ${message}\n`);
  process.exit(1);
}

const bucket = String.UTF8.encode("counters");
const key = String.UTF8.encode("tally");

for (let attempt = 0; attempt < 10000; attempt++) {
  const got = kvGet(changetype<usize>(bucket), bucket.byteLength,
    changetype<usize>(key), key.byteLength, BUF, 32, LEN, REVISION);
  if (got != OK && got != NOT_FOUND) fail(`kv_get failed (status ${got})`);
  let count: u64 = 0;
  const len = got == OK ? min(load<u32>(LEN), 32) : 0;
  for (let i: u32 = 0; i < len; i++) {
    count = count * 10 + <u64>(load<u8>(BUF + i) - 48);
  }
  count++;
  const text = String.UTF8.encode(count.toString());
  const put = kvCas(changetype<usize>(bucket), bucket.byteLength,
    changetype<usize>(key), key.byteLength, changetype<usize>(text),
    text.byteLength, load<u64>(REVISION), REVISION);
  if (put == OK) {
    process.stdout.write(`${count}\n`);
    process.exit(0);
  }
  if (put != CONFLICT) fail(`kv_cas failed (status ${put})`);
}
fail("gave up after 10000 conflicts");
