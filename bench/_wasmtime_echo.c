/*
 * The wasmtime peer of bench/startup.ts: new instance + `_start` of a WASI
 * echo module with 1 KB of stdin, timed per call, without any language
 * binding's overhead. Built at bench time (bench/_wasmtime.ts) against the
 * libwasmtime.so that the pip `wasmtime` package ships; the package has no
 * C headers, so the few prototypes used are declared below (C API of
 * wasmtime 49).
 *
 * One engine with the pooling allocator, the module compiled once, one
 * `instance_pre` per linker; per call a new store (wasmtime's unit of
 * isolation), instantiate, `_start`, stdout checked. Two linkers, measured
 * in turn in the same loop:
 *   wasi     wasmtime's own WASI preview1 (stdin bytes, stdout captured)
 *   minimal  host functions of ours, just what echo imports
 * The store's teardown is not timed (as eddy's memory release is not).
 *
 *   wasmtime_echo MODULE.wasm ITERATIONS WARMUP
 * prints `wasi µs µs ...` and `minimal µs µs ...` (one line each).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

typedef struct wasm_engine_t wasm_engine_t;
typedef struct wasm_config_t wasm_config_t;
typedef struct wasm_trap_t wasm_trap_t;
typedef struct wasm_valtype_t wasm_valtype_t;
typedef struct wasm_functype_t wasm_functype_t;
typedef struct wasi_config_t wasi_config_t;
typedef struct wasmtime_error wasmtime_error_t;
typedef struct wasmtime_module wasmtime_module_t;
typedef struct wasmtime_store wasmtime_store_t;
typedef struct wasmtime_context wasmtime_context_t;
typedef struct wasmtime_linker wasmtime_linker_t;
typedef struct wasmtime_instance_pre wasmtime_instance_pre_t;
typedef struct wasmtime_caller wasmtime_caller_t;
typedef struct wasmtime_pooling_allocation_config_t pooling_t;

typedef struct { size_t size; uint8_t *data; } wasm_byte_vec_t;
typedef struct { size_t size; wasm_valtype_t **data; } wasm_valtype_vec_t;
typedef struct { uint64_t store_id; size_t private_; } wasmtime_instance_t;
typedef struct { uint64_t store_id; void *private_; } wasmtime_func_t;
typedef struct {
  struct { uint64_t store_id; uint32_t private1; } anon;
  uint32_t private2;
} wasmtime_memory_t;
typedef struct {
  uint8_t kind;
  union { wasmtime_func_t func; wasmtime_memory_t memory; uint8_t pad[24]; } of;
} wasmtime_extern_t;
typedef union { int32_t i32; int64_t i64; uint8_t v128[16]; } wasmtime_val_raw_t;
typedef struct { uint8_t kind; uint8_t of[24]; } wasmtime_val_t;

enum { WASM_I32 = 0, WASM_I64 = 1 };
enum { WASMTIME_EXTERN_FUNC = 0, WASMTIME_EXTERN_MEMORY = 3 };

typedef wasm_trap_t *(*unchecked_fn)(void *, wasmtime_caller_t *,
                                     wasmtime_val_raw_t *, size_t);

wasm_config_t *wasm_config_new(void);
wasm_engine_t *wasm_engine_new_with_config(wasm_config_t *);
pooling_t *wasmtime_pooling_allocation_config_new(void);
void wasmtime_pooling_allocation_config_total_core_instances_set(pooling_t *, uint32_t);
void wasmtime_pooling_allocation_config_total_memories_set(pooling_t *, uint32_t);
void wasmtime_pooling_allocation_config_total_tables_set(pooling_t *, uint32_t);
void wasmtime_pooling_allocation_config_total_stacks_set(pooling_t *, uint32_t);
void wasmtime_pooling_allocation_config_max_memory_size_set(pooling_t *, size_t);
void wasmtime_pooling_allocation_strategy_set(wasm_config_t *, const pooling_t *);
void wasm_byte_vec_new(wasm_byte_vec_t *, size_t, const uint8_t *);
void wasm_byte_vec_delete(wasm_byte_vec_t *);
wasm_valtype_t *wasm_valtype_new(uint8_t);
void wasm_valtype_vec_new(wasm_valtype_vec_t *, size_t, wasm_valtype_t *const[]);
wasm_functype_t *wasm_functype_new(wasm_valtype_vec_t *, wasm_valtype_vec_t *);
void wasm_trap_message(const wasm_trap_t *, wasm_byte_vec_t *);
void wasmtime_error_message(const wasmtime_error_t *, wasm_byte_vec_t *);
wasm_trap_t *wasmtime_trap_new(const char *, size_t);
wasmtime_error_t *wasmtime_module_new(wasm_engine_t *, const uint8_t *, size_t,
                                      wasmtime_module_t **);
wasmtime_store_t *wasmtime_store_new(wasm_engine_t *, void *, void (*)(void *));
wasmtime_context_t *wasmtime_store_context(wasmtime_store_t *);
void wasmtime_store_delete(wasmtime_store_t *);
wasi_config_t *wasi_config_new(void);
void wasi_config_set_stdin_bytes(wasi_config_t *, wasm_byte_vec_t *);
void wasi_config_set_stdout_custom(wasi_config_t *,
                                   ssize_t (*)(void *, const unsigned char *, size_t),
                                   void *, void (*)(void *));
wasmtime_error_t *wasmtime_context_set_wasi(wasmtime_context_t *, wasi_config_t *);
wasmtime_linker_t *wasmtime_linker_new(wasm_engine_t *);
wasmtime_error_t *wasmtime_linker_define_wasi(wasmtime_linker_t *);
wasmtime_error_t *wasmtime_linker_define_func_unchecked(
    wasmtime_linker_t *, const char *, size_t, const char *, size_t,
    const wasm_functype_t *, unchecked_fn, void *, void (*)(void *));
wasmtime_error_t *wasmtime_linker_instantiate_pre(const wasmtime_linker_t *,
                                                  const wasmtime_module_t *,
                                                  wasmtime_instance_pre_t **);
wasmtime_error_t *wasmtime_instance_pre_instantiate(const wasmtime_instance_pre_t *,
                                                    wasmtime_context_t *,
                                                    wasmtime_instance_t *,
                                                    wasm_trap_t **);
bool wasmtime_instance_export_get(wasmtime_context_t *, const wasmtime_instance_t *,
                                  const char *, size_t, wasmtime_extern_t *);
bool wasmtime_caller_export_get(wasmtime_caller_t *, const char *, size_t,
                                wasmtime_extern_t *);
wasmtime_context_t *wasmtime_caller_context(wasmtime_caller_t *);
uint8_t *wasmtime_memory_data(const wasmtime_context_t *, const wasmtime_memory_t *);
size_t wasmtime_memory_data_size(const wasmtime_context_t *, const wasmtime_memory_t *);
wasmtime_error_t *wasmtime_func_call(wasmtime_context_t *, const wasmtime_func_t *,
                                     const wasmtime_val_t *, size_t, wasmtime_val_t *,
                                     size_t, wasm_trap_t **);

#define INPUT_BYTES 1024

static uint8_t input[INPUT_BYTES];
static size_t input_at;
static uint8_t output[2 * INPUT_BYTES];
static size_t output_len;

static void fail(const char *what, wasmtime_error_t *error, wasm_trap_t *trap) {
  wasm_byte_vec_t message = {0, NULL};
  if (error) wasmtime_error_message(error, &message);
  if (trap) wasm_trap_message(trap, &message);
  fprintf(stderr, "%s: %.*s\n", what, (int)message.size,
          message.data ? (char *)message.data : "");
  exit(1);
}

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void take_output(const uint8_t *bytes, size_t len) {
  if (output_len + len > sizeof output) len = sizeof output - output_len;
  memcpy(output + output_len, bytes, len);
  output_len += len;
}

static ssize_t stdout_sink(void *data, const unsigned char *bytes, size_t len) {
  (void)data;
  take_output(bytes, len);
  return (ssize_t)len;
}

/* The guest's memory, looked up per host call as a host function must. */
static uint8_t *guest_memory(wasmtime_caller_t *caller, size_t *size) {
  wasmtime_extern_t memory;
  if (!wasmtime_caller_export_get(caller, "memory", 6, &memory) ||
      memory.kind != WASMTIME_EXTERN_MEMORY) {
    return NULL;
  }
  wasmtime_context_t *context = wasmtime_caller_context(caller);
  *size = wasmtime_memory_data_size(context, &memory.of.memory);
  return wasmtime_memory_data(context, &memory.of.memory);
}

/* fd_read(fd, iovs, iovs_len, nread) and fd_write(fd, iovs, iovs_len, nwritten):
 * stdin from `input`, stdout into `output`; errno 8 (badf) otherwise. */
static wasm_trap_t *fd_io(void *reading, wasmtime_caller_t *caller,
                          wasmtime_val_raw_t *args, size_t n) {
  (void)n;
  size_t size;
  uint8_t *memory = guest_memory(caller, &size);
  uint32_t fd = args[0].i32, iovs = args[1].i32, count = args[2].i32;
  uint32_t done_at = args[3].i32, done = 0;
  if (!memory || (uint64_t)iovs + 8ull * count > size || (uint64_t)done_at + 4 > size) {
    return wasmtime_trap_new("out of bounds", 13);
  }
  if (fd != (reading ? 0u : 1u)) {
    args[0].i32 = 8;
    return NULL;
  }
  for (uint32_t i = 0; i < count; i++) {
    uint32_t at, len;
    memcpy(&at, memory + iovs + 8 * i, 4);
    memcpy(&len, memory + iovs + 8 * i + 4, 4);
    if ((uint64_t)at + len > size) return wasmtime_trap_new("out of bounds", 13);
    if (reading) {
      size_t k = INPUT_BYTES - input_at < len ? INPUT_BYTES - input_at : len;
      memcpy(memory + at, input + input_at, k);
      input_at += k;
      done += k;
      if (k < len) break;
    } else {
      take_output(memory + at, len);
      done += len;
    }
  }
  memcpy(memory + done_at, &done, 4);
  args[0].i32 = 0;
  return NULL;
}

static wasm_trap_t *fd_close(void *env, wasmtime_caller_t *caller,
                             wasmtime_val_raw_t *args, size_t n) {
  (void)env, (void)caller, (void)n;
  args[0].i32 = 0;
  return NULL;
}

static wasm_trap_t *fd_seek(void *env, wasmtime_caller_t *caller,
                            wasmtime_val_raw_t *args, size_t n) {
  (void)env, (void)caller, (void)n;
  args[0].i32 = 70; /* spipe: stdio does not seek */
  return NULL;
}

/* Echo returns from `_start` when it succeeds: any exit is a failure here. */
static wasm_trap_t *proc_exit(void *env, wasmtime_caller_t *caller,
                              wasmtime_val_raw_t *args, size_t n) {
  (void)env, (void)caller, (void)args, (void)n;
  return wasmtime_trap_new("proc_exit", 9);
}

static wasm_functype_t *signature(const uint8_t *params, size_t count, bool result) {
  wasm_valtype_t *p[4], *r[1];
  for (size_t i = 0; i < count; i++) p[i] = wasm_valtype_new(params[i]);
  r[0] = wasm_valtype_new(WASM_I32);
  wasm_valtype_vec_t ps, rs;
  wasm_valtype_vec_new(&ps, count, p);
  wasm_valtype_vec_new(&rs, result ? 1 : 0, r);
  return wasm_functype_new(&ps, &rs);
}

static void define(wasmtime_linker_t *linker, const char *name,
                   wasm_functype_t *type, unchecked_fn fn, void *env) {
  wasmtime_error_t *error = wasmtime_linker_define_func_unchecked(
      linker, "wasi_snapshot_preview1", 22, name, strlen(name), type, fn, env, NULL);
  if (error) fail(name, error, NULL);
}

static wasmtime_instance_pre_t *prepare(wasm_engine_t *engine,
                                        wasmtime_module_t *module, bool wasi) {
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasmtime_error_t *error = NULL;
  if (wasi) {
    error = wasmtime_linker_define_wasi(linker);
  } else {
    static const uint8_t io[] = {WASM_I32, WASM_I32, WASM_I32, WASM_I32};
    static const uint8_t seek[] = {WASM_I32, WASM_I64, WASM_I32, WASM_I32};
    define(linker, "fd_read", signature(io, 4, true), fd_io, (void *)1);
    define(linker, "fd_write", signature(io, 4, true), fd_io, NULL);
    define(linker, "fd_close", signature(io, 1, true), fd_close, NULL);
    define(linker, "fd_seek", signature(seek, 4, true), fd_seek, NULL);
    define(linker, "proc_exit", signature(io, 1, false), proc_exit, NULL);
  }
  if (error) fail("define wasi", error, NULL);
  wasmtime_instance_pre_t *pre = NULL;
  error = wasmtime_linker_instantiate_pre(linker, module, &pre);
  if (error) fail("instantiate_pre", error, NULL);
  return pre;
}

/* One invocation; returns its µs (store teardown excluded). */
static double invoke(wasm_engine_t *engine, wasmtime_instance_pre_t *pre, bool wasi) {
  input_at = 0;
  output_len = 0;
  double t0 = now_us();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);
  wasmtime_error_t *error = NULL;
  wasm_trap_t *trap = NULL;
  if (wasi) {
    wasi_config_t *config = wasi_config_new();
    wasm_byte_vec_t stdin_bytes;
    wasm_byte_vec_new(&stdin_bytes, INPUT_BYTES, input);
    wasi_config_set_stdin_bytes(config, &stdin_bytes);
    wasi_config_set_stdout_custom(config, stdout_sink, NULL, NULL);
    error = wasmtime_context_set_wasi(context, config);
    if (error) fail("set wasi", error, NULL);
  }
  wasmtime_instance_t instance;
  error = wasmtime_instance_pre_instantiate(pre, context, &instance, &trap);
  if (error || trap) fail("instantiate", error, trap);
  wasmtime_extern_t start;
  if (!wasmtime_instance_export_get(context, &instance, "_start", 6, &start) ||
      start.kind != WASMTIME_EXTERN_FUNC) {
    fail("no _start", NULL, NULL);
  }
  error = wasmtime_func_call(context, &start.of.func, NULL, 0, NULL, 0, &trap);
  if (error || trap) fail("_start", error, trap);
  double t1 = now_us();
  wasmtime_store_delete(store);
  if (output_len != INPUT_BYTES || memcmp(output, input, INPUT_BYTES) != 0) {
    fprintf(stderr, "echo returned %zu bytes, not its input\n", output_len);
    exit(1);
  }
  return t1 - t0;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s MODULE.wasm ITERATIONS WARMUP\n", argv[0]);
    return 2;
  }
  int iterations = atoi(argv[2]), warmup = atoi(argv[3]);
  FILE *file = fopen(argv[1], "rb");
  if (!file) {
    perror(argv[1]);
    return 1;
  }
  static uint8_t wasm[1 << 20];
  size_t wasm_len = fread(wasm, 1, sizeof wasm, file);
  fclose(file);
  for (size_t i = 0; i < INPUT_BYTES; i++) input[i] = (uint8_t)rand();

  wasm_config_t *config = wasm_config_new();
  pooling_t *pooling = wasmtime_pooling_allocation_config_new();
  /* Room for what one loop keeps live, with eddy's 128 MiB memory cap. */
  wasmtime_pooling_allocation_config_total_core_instances_set(pooling, 16);
  wasmtime_pooling_allocation_config_total_memories_set(pooling, 16);
  wasmtime_pooling_allocation_config_total_tables_set(pooling, 16);
  wasmtime_pooling_allocation_config_total_stacks_set(pooling, 16);
  wasmtime_pooling_allocation_config_max_memory_size_set(pooling, 128u << 20);
  wasmtime_pooling_allocation_strategy_set(config, pooling);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasmtime_module_t *module = NULL;
  wasmtime_error_t *error = wasmtime_module_new(engine, wasm, wasm_len, &module);
  if (error) fail("compile", error, NULL);
  wasmtime_instance_pre_t *stock = prepare(engine, module, true);
  wasmtime_instance_pre_t *minimal = prepare(engine, module, false);

  double *times[2] = {malloc(sizeof(double) * iterations),
                      malloc(sizeof(double) * iterations)};
  for (int i = 0; i < warmup + iterations; i++) {
    double a = invoke(engine, stock, true);
    double b = invoke(engine, minimal, false);
    if (i >= warmup) {
      times[0][i - warmup] = a;
      times[1][i - warmup] = b;
    }
  }
  const char *names[2] = {"wasi", "minimal"};
  for (int v = 0; v < 2; v++) {
    printf("%s", names[v]);
    for (int i = 0; i < iterations; i++) printf(" %.3f", times[v][i]);
    printf("\n");
  }
  return 0;
}
