/*
 * env — prints its arguments, one per line (without argv[0]), then its
 * environment variables as KEY=VALUE, one per line, sorted by key.
 *
 * Used to check that a manifest's `args` and `env` reach the guest.
 *
 *   args: ["a", "b c"]  env: {B: "2", A: "1"}   prints  a / b c / A=1 / B=2
 *
 * Build: clang --target=wasm32-wasi --sysroot=/usr -Oz -Wl,--strip-all env.c -o env.wasm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* Orders "KEY=VALUE" strings by key, then by value. */
static int by_key(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  size_t kx = strcspn(x, "="), ky = strcspn(y, "=");
  int c = strncmp(x, y, kx < ky ? kx : ky);
  if (c != 0) return c;
  if (kx != ky) return kx < ky ? -1 : 1;
  return strcmp(x + kx, y + ky);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) puts(argv[i]);

  size_t n = 0;
  while (environ != NULL && environ[n] != NULL) n++;
  char **vars = malloc((n + 1) * sizeof *vars);
  if (vars == NULL) return 1;
  for (size_t i = 0; i < n; i++) vars[i] = environ[i];
  qsort(vars, n, sizeof *vars, by_key);
  for (size_t i = 0; i < n; i++) puts(vars[i]);
  return 0;
}
