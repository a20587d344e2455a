// Shared by the enoki example guests: one reading from stdin.
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAX_FILE (64 * 1024)

// Reads "SENSOR VALUE" from stdin into sensor (a key: letters, digits,
// '-' and '_', at most 63) and value (a number, at most 31 characters).
static int read_reading(char sensor[64], char value[32]) {
  if (scanf("%63s %31s", sensor, value) != 2) {
    fprintf(stderr, "stdin must be 'SENSOR VALUE', e.g. 's1 21.5'\n");
    return -1;
  }
  for (const char *c = sensor; *c; c++) {
    if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_') {
      fprintf(stderr, "sensor '%s': use letters, digits, '-' and '_'\n",
              sensor);
      return -1;
    }
  }
  return 0;
}
