/*
 * spin — never returns: counts forever in a busy loop.
 *
 * Used to test deadlines: the host must stop it (e.g. the manifest gives it
 * `timeout: 1s`). The counter is volatile so the loop cannot be optimized
 * away. No args, no input, no output.
 *
 *   eddy invoke spin        # fails with a timeout
 *
 * Build: clang --target=wasm32-wasi --sysroot=/usr -Oz -Wl,--strip-all spin.c -o spin.wasm
 */
static volatile unsigned long long counter;

int main(void) {
  for (;;) counter++;
}
