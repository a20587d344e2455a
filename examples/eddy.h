/*
 * eddy.h — the host imports of eddy's `eddy` module, for C guests.
 *
 * Calls to other functions (README.md, "Calling other functions") and the
 * state of the buckets a function declares in its manifest (README.md,
 * "State"). Every call answers a status; 0 is success. Include it with a
 * relative path: #include "../eddy.h".
 */
#ifndef EDDY_H
#define EDDY_H

#include <stdint.h>

#define EDDY_IMPORT(name) __attribute__((import_module("eddy"), import_name(name)))

/* ---- calls ---------------------------------------------------------- */

/* Calls function `name` with `input`; its output's length at `output_len`.
 * Status: 0 ok, 1 no such function, 2 it failed (output: JSON error),
 * 3 unreachable, 4 calls not available, 5 too deep, 21 bad pointer. */
EDDY_IMPORT("call")
int32_t eddy_call(const char *name, uint32_t name_len, const uint8_t *input,
                  uint32_t input_len, uint32_t *output_len);

/* Copies up to `buf_len` bytes of the last call's output; how many, or -21. */
EDDY_IMPORT("result")
int32_t eddy_result(uint8_t *buf, uint32_t buf_len);

/* ---- state ---------------------------------------------------------- */

/* Status of the kv_* calls. */
#define EDDY_KV_OK 0
#define EDDY_KV_NOT_FOUND 1         /* kv_get: no such key */
#define EDDY_KV_UNAVAILABLE 4       /* state is not available here (eddy run) */
#define EDDY_KV_NOT_DECLARED 6      /* the manifest does not declare this bucket */
#define EDDY_KV_READ_ONLY 7         /* the bucket is mounted readOnly */
#define EDDY_KV_CONFLICT 8          /* kv_cas: the revision did not match */
#define EDDY_KV_INVALID_KEY 9       /* keys: 1-255 of A-Z a-z 0-9 . _ = - */
#define EDDY_KV_STATE_UNAVAILABLE 10 /* the write could not be made durable */
#define EDDY_KV_TOO_LARGE 11        /* values are at most 1 MiB */
#define EDDY_KV_FAULT 21            /* a pointer outside memory */

/* Reads `key`: copies up to `buf_len` bytes of its value to `buf`, its whole
 * length to `*len` and its revision to `*revision` (0 when absent). */
EDDY_IMPORT("kv_get")
int32_t eddy_kv_get(const char *bucket, uint32_t bucket_len, const char *key,
                    uint32_t key_len, uint8_t *buf, uint32_t buf_len,
                    uint32_t *len, uint64_t *revision);

/* Writes `key`; its new revision to `*revision` once durable. */
EDDY_IMPORT("kv_put")
int32_t eddy_kv_put(const char *bucket, uint32_t bucket_len, const char *key,
                    uint32_t key_len, const uint8_t *value, uint32_t value_len,
                    uint64_t *revision);

/* Deletes `key` (no error if absent). */
EDDY_IMPORT("kv_delete")
int32_t eddy_kv_delete(const char *bucket, uint32_t bucket_len, const char *key,
                       uint32_t key_len);

/* Writes `key` only if its revision is still `expected` (0: it must not
 * exist); EDDY_KV_CONFLICT otherwise: read again and retry. */
EDDY_IMPORT("kv_cas")
int32_t eddy_kv_cas(const char *bucket, uint32_t bucket_len, const char *key,
                    uint32_t key_len, const uint8_t *value, uint32_t value_len,
                    uint64_t expected, uint64_t *revision);

#endif
