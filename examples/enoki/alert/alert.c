// alert (edge): checks one reading against the threshold the cloud set.
//
// stdin: "SENSOR VALUE". The `thresholds` bucket (written in the cloud,
// mirrored to the edge) is mounted read-only at /thresholds: the key SENSOR,
// or else "default", holds the highest acceptable value. Prints
// "ALERT SENSOR VALUE > MAX" (exit 0) or "ok SENSOR VALUE <= MAX", or
// "no threshold for SENSOR" when neither key exists yet.
#include <stdio.h>
#include <stdlib.h>
#include "../sensor.h"

static int threshold(const char *key, double *max) {
  char path[96], text[64] = {0};
  snprintf(path, sizeof path, "/thresholds/%s", key);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  *max = strtod(text, NULL);
  return 0;
}

int main(void) {
  char sensor[64], value[32];
  if (read_reading(sensor, value) != 0) return 2;
  double max;
  if (threshold(sensor, &max) != 0 && threshold("default", &max) != 0) {
    printf("no threshold for %s\n", sensor);
    return 0;
  }
  double v = strtod(value, NULL);
  if (v > max) printf("ALERT %s %s > %g\n", sensor, value, max);
  else printf("ok %s %s <= %g\n", sensor, value, max);
  return 0;
}
