// ingest (edge): records one sensor reading in the `readings` bucket.
//
// stdin: "SENSOR VALUE", e.g. "s1 21.5". The bucket is mounted at
// /readings: the key SENSOR is a file holding that sensor's readings, one
// per line. Reading the file and writing it back whole is one atomic put
// when the file is closed (last writer wins; kv_cas is the way to never
// lose a concurrent reading). Prints "recorded SENSOR VALUE (N readings)".
#include <stdio.h>
#include <string.h>
#include "../sensor.h"

int main(void) {
  char sensor[64], value[32];
  if (read_reading(sensor, value) != 0) return 2;
  char path[96];
  snprintf(path, sizeof path, "/readings/%s", sensor);

  static char old[MAX_FILE];
  size_t n = 0;
  FILE *in = fopen(path, "r");
  if (in) {
    n = fread(old, 1, sizeof old - 64, in);
    fclose(in);
  }
  FILE *out = fopen(path, "w");
  if (!out) {
    perror("open /readings for writing");
    return 1;
  }
  fwrite(old, 1, n, out);
  fprintf(out, "%s\n", value);
  if (fclose(out) != 0) {
    perror("put");
    return 1;
  }
  size_t lines = 1;
  for (size_t i = 0; i < n; i++) lines += old[i] == '\n';
  printf("recorded %s %s (%zu readings)\n", sensor, value, lines);
  return 0;
}
