// report (cloud): summarizes every sensor's readings, as replicated from
// the edge into the cloud's mirror of the `readings` bucket (mounted
// read-only at /readings; one file per sensor, one reading per line).
// Prints "SENSOR n=N min=MIN max=MAX mean=MEAN" per sensor, in key order.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../sensor.h"

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void summarize(const char *sensor) {
  char path[300];
  snprintf(path, sizeof path, "/readings/%s", sensor);
  FILE *f = fopen(path, "r");
  if (!f) return;
  char line[64];
  int n = 0;
  double min = 0, max = 0, sum = 0;
  while (fgets(line, sizeof line, f)) {
    double v = strtod(line, NULL);
    if (n == 0 || v < min) min = v;
    if (n == 0 || v > max) max = v;
    sum += v;
    n++;
  }
  fclose(f);
  if (n > 0) {
    printf("%s n=%d min=%g max=%g mean=%g\n", sensor, n, min, max, sum / n);
  }
}

int main(void) {
  DIR *dir = opendir("/readings");
  if (!dir) {
    perror("/readings");
    return 1;
  }
  static char *names[1024];
  int count = 0;
  struct dirent *e;
  while ((e = readdir(dir)) && count < 1024) {
    if (e->d_name[0] == '.') continue;
    names[count++] = strdup(e->d_name);
  }
  closedir(dir);
  qsort(names, count, sizeof names[0], by_name);
  for (int i = 0; i < count; i++) summarize(names[i]);
  if (count == 0) printf("no readings yet\n");
  return 0;
}
