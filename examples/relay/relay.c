// relay — calls another function by name and passes its output on.
//
// Reads all of stdin, calls the function named in argv[1] (default
// "uppercase") with it through eddy's `call` host import, and writes that
// function's output to stdout. The callee may run on this node or on any
// peer: eddy routes the call by locality (memory, Unix socket, HTTP/2).
// If the call fails, its error (JSON) goes to stderr and relay exits 1.
//
//   echo hi | eddy invoke relay --arg uppercase        # HI
//
// Build (see ../build.ts):
//   clang --target=wasm32-wasi --sysroot=/usr -Oz -Wl,--strip-all relay.c -o relay.wasm

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The eddy host imports (ABI in README.md, "Calling other functions").
__attribute__((import_module("eddy"), import_name("call"))) int32_t
eddy_call(const char *name, uint32_t name_len, const uint8_t *input,
          uint32_t input_len, uint32_t *output_len);
__attribute__((import_module("eddy"), import_name("result"))) int32_t
eddy_result(uint8_t *buf, uint32_t buf_len);

int main(int argc, char **argv) {
  const char *target = argc > 1 ? argv[1] : "uppercase";
  size_t cap = 64 * 1024, len = 0;
  uint8_t *input = malloc(cap);
  size_t n;
  while (input && (n = fread(input + len, 1, cap - len, stdin)) > 0) {
    len += n;
    if (len == cap) input = realloc(input, cap *= 2);
  }
  if (!input) {
    fputs("relay: out of memory\n", stderr);
    return 1;
  }
  uint32_t out_len = 0;
  int32_t status = eddy_call(target, strlen(target), input, len, &out_len);
  uint8_t *output = malloc(out_len ? out_len : 1);
  if (!output) {
    fputs("relay: out of memory\n", stderr);
    return 1;
  }
  int32_t got = eddy_result(output, out_len);
  if (status != 0) {
    fprintf(stderr, "relay: calling %s failed (status %d): %.*s\n", target,
            status, got, output);
    return 1;
  }
  fwrite(output, 1, got, stdout);
  return 0;
}
