/*
 * fail — always fails: writes "something went wrong\n" to stderr, then exits
 * with the code given as args[1] (default 1). With args[1] = "trap" it
 * executes an unreachable instruction instead (a WebAssembly trap).
 *
 *   eddy invoke fail           # exit code 1
 *   args: ["42"]               # exit code 42
 *   args: ["trap"]             # trap
 *
 * Build: clang --target=wasm32-wasi --sysroot=/usr -Oz -Wl,--strip-all fail.c -o fail.wasm
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  static const char msg[] = "something went wrong\n";
  write(STDERR_FILENO, msg, sizeof msg - 1);
  if (argc > 1 && strcmp(argv[1], "trap") == 0) __builtin_trap();
  return argc > 1 ? atoi(argv[1]) : 1;
}
