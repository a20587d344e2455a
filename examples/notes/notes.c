/*
 * notes — a tiny note store in the directory the host mounts at /data.
 *
 *   notes put NAME   writes stdin to /data/NAME (created or truncated)
 *   notes get NAME   prints /data/NAME
 *   notes ls         prints the names in /data, sorted, one per line
 *   notes rm NAME    deletes /data/NAME
 *
 * NAME is a plain file name: no "/", not starting with "." (dot files in
 * /data, such as a .gitkeep, are not notes and `ls` skips them). On any error
 * (missing file, bad usage, no /data mount) it prints a message to stderr
 * and exits with code 1. Needs a writable dir mount, e.g. in the manifest:
 *   dirs: [{host: ./notes-data, guest: /data, writable: true}]
 *
 * Build: clang --target=wasm32-wasi --sysroot=/usr -Oz -Wl,--strip-all notes.c -o notes.wasm
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIR_PATH "/data"

static char buf[64 * 1024];

/* Prints "notes: WHAT: REASON" to stderr and exits 1. */
static void die(const char *what, const char *reason) {
  fprintf(stderr, "notes: %s: %s\n", what, reason);
  exit(1);
}

/* Like die, with errno as the reason. */
static void die_errno(const char *what) {
  /* wasi-libc answers ENOTCAPABLE for a path under no preopened directory. */
  die(what, errno == ENOTCAPABLE ? "no directory mounted at " DIR_PATH : strerror(errno));
}

/* Copies everything from fd `in` to fd `out`; `name` is used in errors. */
static void copy(int in, int out, const char *name) {
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n == 0) return;
    if (n < 0) die_errno(name);
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(out, buf + off, (size_t)(n - off));
      if (w < 0) die_errno(name);
      off += w;
    }
  }
}

/* Returns "/data/NAME" after checking that NAME is a plain file name. */
static char *note_path(const char *name) {
  if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL) {
    die(name, "invalid note name");
  }
  static char path[4096];
  if (snprintf(path, sizeof path, DIR_PATH "/%s", name) >= (int)sizeof path) {
    die(name, "name too long");
  }
  return path;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(void) {
  DIR *dir = opendir(DIR_PATH);
  if (dir == NULL) die_errno(DIR_PATH);
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(dir)) != NULL) {
    if (e->d_name[0] == '.') continue; /* ".", "..", dot files */
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      names = realloc(names, cap * sizeof *names);
      if (names == NULL) die(DIR_PATH, "out of memory");
    }
    if ((names[n++] = strdup(e->d_name)) == NULL) die(DIR_PATH, "out of memory");
  }
  closedir(dir);
  qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n; i++) puts(names[i]);
}

int main(int argc, char **argv) {
  const char *cmd = argc > 1 ? argv[1] : "";
  if (strcmp(cmd, "ls") == 0 && argc == 2) {
    list();
  } else if (strcmp(cmd, "put") == 0 && argc == 3) {
    int fd = open(note_path(argv[2]), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) die_errno(argv[2]);
    copy(STDIN_FILENO, fd, argv[2]);
    if (close(fd) != 0) die_errno(argv[2]);
  } else if (strcmp(cmd, "get") == 0 && argc == 3) {
    int fd = open(note_path(argv[2]), O_RDONLY);
    if (fd < 0) die_errno(argv[2]);
    copy(fd, STDOUT_FILENO, argv[2]);
    close(fd);
  } else if (strcmp(cmd, "rm") == 0 && argc == 3) {
    if (unlink(note_path(argv[2])) != 0) die_errno(argv[2]);
  } else {
    die("usage", "notes put NAME | get NAME | ls | rm NAME");
  }
  return 0;
}
