// counter — counts its invocations exactly, however many run at once.
//
// Adds 1 to the decimal number under key argv[1] (default "hits") in
// bucket "counters" and prints the new count. Read, add, compare-and-swap
// on the revision read; a conflict (another invocation won) reads again.
// Needs `state: [{ bucket: counters, mount: /counters }]` in its manifest.
//
//   eddy invoke counter            # 1, 2, 3, ...
//
// Build (see ../build.ts):
//   clang --target=wasm32-wasi --sysroot=/usr -Oz -Wl,--strip-all counter.c -o counter.wasm

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../eddy.h"

static const char BUCKET[] = "counters";

int main(int argc, char **argv) {
  const char *key = argc > 1 ? argv[1] : "hits";
  for (int attempt = 0; attempt < 10000; attempt++) {
    char text[24] = {0};
    uint32_t len = 0;
    uint64_t revision = 0;
    int32_t got = eddy_kv_get(BUCKET, sizeof BUCKET - 1, key, strlen(key),
                              (uint8_t *)text, sizeof text - 1, &len, &revision);
    if (got != EDDY_KV_OK && got != EDDY_KV_NOT_FOUND) {
      fprintf(stderr, "counter: kv_get failed (status %d)\n", got);
      return 1;
    }
    unsigned long long count = strtoull(text, NULL, 10) + 1;
    int n = snprintf(text, sizeof text, "%llu", count);
    uint64_t written = 0;
    int32_t put = eddy_kv_cas(BUCKET, sizeof BUCKET - 1, key, strlen(key),
                              (const uint8_t *)text, (uint32_t)n, revision,
                              &written);
    if (put == EDDY_KV_OK) {
      printf("%llu\n", count);
      return 0;
    }
    if (put != EDDY_KV_CONFLICT) {
      fprintf(stderr, "counter: kv_cas failed (status %d)\n", put);
      return 1;
    }
  }
  fputs("counter: gave up after 10000 conflicts\n", stderr);
  return 1;
}
