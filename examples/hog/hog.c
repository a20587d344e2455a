/*
 * hog — allocates memory 1 MiB at a time (and writes to every byte of it)
 * until args[1] MiB are held (default: no limit), then prints
 * "allocated N MiB". When malloc fails it prints
 * "out of memory after N MiB" to stderr and exits with code 3.
 *
 * Used to test memory limits: with `limits: {memory: 16MiB}` a call with
 * args ["64"] (or none) must exit 3, and args ["4"] must succeed.
 *
 *   eddy invoke hog            # runs until the memory limit stops it
 *   args: ["8"]                # prints "allocated 8 MiB"
 *
 * Build: clang --target=wasm32-wasi --sysroot=/usr -Oz -Wl,--strip-all hog.c -o hog.wasm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB (1024 * 1024)

/* Chunks are chained into a list hanging off a volatile root, so the compiler
   cannot prove them unused and drop the allocations. */
static void *volatile chain;

int main(int argc, char **argv) {
  long want = argc > 1 ? strtol(argv[1], NULL, 10) : -1; /* -1: unlimited */
  long got = 0;
  while (want < 0 || got < want) {
    void **chunk = malloc(MIB);
    if (chunk == NULL) {
      fprintf(stderr, "out of memory after %ld MiB\n", got);
      return 3;
    }
    memset(chunk, 0xA5, MIB); /* touch every page */
    *chunk = chain;
    chain = chunk;
    got++;
  }
  printf("allocated %ld MiB\n", got);
  return 0;
}
