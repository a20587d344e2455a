/*
 * echo — copies stdin to stdout, byte for byte.
 *
 * Binary safe and streaming: input is moved in 64 KiB chunks, so any size
 * works without holding it all in memory. No args, no env.
 *
 *   eddy invoke echo < anything
 *
 * Build: clang --target=wasm32-wasi --sysroot=/usr -Oz -Wl,--strip-all echo.c -o echo.wasm
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

static char buf[64 * 1024];

int main(void) {
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n == 0) return 0; /* end of input */
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("echo: read stdin");
      return 1;
    }
    for (ssize_t off = 0; off < n;) { /* write may be partial */
      ssize_t w = write(STDOUT_FILENO, buf + off, (size_t)(n - off));
      if (w < 0) {
        if (errno == EINTR) continue;
        perror("echo: write stdout");
        return 1;
      }
      off += w;
    }
  }
}
