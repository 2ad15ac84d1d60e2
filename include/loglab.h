/*
 * loglab.h: the C ABI of LogLab (library product `LogLabC`, libLogLabC.so / .dylib).
 *
 * Build: swift build -c release --product LogLabC -Xswiftc -static-stdlib
 * (the Swift runtime is linked in; the library needs only libc, libzstd, liblzma,
 * libbrotli, zlib and libcrypto at run time).
 *
 * Conventions
 * - Objects are opaque handles: create with *_load / *_open, release with the matching
 *   *_free (NULL is accepted and ignored). Profiles may be shared by threads; a reader may
 *   be used from several threads (calls on one reader are serialised where they share state).
 * - Functions that can fail return 0 on success or one of the LOGLAB_E_* codes; on failure,
 *   when `error` is not NULL, *error receives a malloc'd NUL-terminated one-line message (the
 *   same text the CLI prints after "error: "), to be released with loglab_free.
 * - Byte outputs (uint8_t **out, int64_t *out_length) are malloc'd: release with loglab_free.
 * - Nothing aborts the host on bad input: NULL pointers, out-of-range indices, damaged or
 *   truncated containers and wrong profiles come back as error codes.
 * - Times are milliseconds since 1970-01-01T00:00:00Z; ranges are half-open [from, to).
 */
#ifndef LOGLAB_H
#define LOGLAB_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes. */
#define LOGLAB_OK 0
#define LOGLAB_E_USAGE 1             /* bad argument: NULL pointer, index out of range, ... */
#define LOGLAB_E_IO 2                /* cannot open, read or write a file */
#define LOGLAB_E_NOT_A_CONTAINER 3   /* bad magic (container or message) */
#define LOGLAB_E_UNSUPPORTED_VERSION 4
#define LOGLAB_E_CORRUPT 5           /* checksum or structure mismatch */
#define LOGLAB_E_TRUNCATED 6
#define LOGLAB_E_PROFILE_MISMATCH 7  /* written with another profile (both ids named) */
#define LOGLAB_E_BAD_PROFILE 8
#define LOGLAB_E_DICTIONARY 9        /* missing or wrong zstd dictionary */
#define LOGLAB_E_INVALID_INPUT 10    /* e.g. a record holding a newline */
#define LOGLAB_E_CODEC 11            /* decompression or inverse transform failed */
#define LOGLAB_E_COLUMNS 12          /* columnar decode limits (more than 2 GiB in one column) */
#define LOGLAB_E_INTERNAL 99

typedef void loglab_profile;
typedef void loglab_reader;
typedef void loglab_batch;
typedef void loglab_columns;

/* "loglab <version> (C ABI 1)"; static, do not free. */
const char *loglab_version(void);
/* Frees anything this library malloc'd for the caller (messages, byte outputs, strings). */
void loglab_free(void *p);

/* ---- profiles ---- */
int32_t loglab_profile_load(const char *path, loglab_profile **out, char **error);
void loglab_profile_free(loglab_profile *profile);
/* what: 0 id (64 hex digits), 1 timestamp field ("" if none), 2 one-line summary.
   Malloc'd (loglab_free); NULL for an unknown `what`. */
char *loglab_profile_info(loglab_profile *profile, int32_t what);

/* ---- compressing ---- */
/* Records (no "\n" inside) as `data` plus count + 1 offsets; `final_newline`: whether the
   restored file ends with "\n". threads <= 0: one per core. Output: a whole container.
   Offsets must not decrease (checked) and must lie within `data` (the caller's duty: the
   library is not given its length). */
int32_t loglab_compress_records(loglab_profile *profile, const void *data, const int64_t *offsets,
                                int64_t count, int32_t final_newline, int32_t threads,
                                uint8_t **out, int64_t *out_length, char **error);
/* A JSON Lines text (split at "\n"; whether it ends with "\n" is kept). */
int32_t loglab_compress_text(loglab_profile *profile, const void *data, int64_t length, int32_t threads,
                             uint8_t **out, int64_t *out_length, char **error);
/* File to file, streaming in bounded memory; `dst` appears only when complete. */
int32_t loglab_compress_file(loglab_profile *profile, const char *src, const char *dst, int32_t threads,
                             char **error);

/* Each record's time (ms since the epoch, INT64_MIN when undated) by `field` (NULL: the
   profile's timestamp field), exactly as the container index and --partition-by date them.
   `times` receives `count` values. */
int32_t loglab_record_times(loglab_profile *profile, const char *field, const void *data,
                            const int64_t *offsets, int64_t count, int64_t *times, char **error);

/* ---- messages: one record per self-contained blob (docs/FORMATS.md, "Messages") ---- */
int32_t loglab_encode_message(loglab_profile *profile, const void *record, int64_t length,
                              uint8_t **out, int64_t *out_length, char **error);
int32_t loglab_decode_message(loglab_profile *profile, const void *blob, int64_t length,
                              uint8_t **out, int64_t *out_length, char **error);

/* ---- readers ---- */
/* Header, index and trailer are read and checked on open; a container written with another
   profile is refused (LOGLAB_E_PROFILE_MISMATCH). */
int32_t loglab_reader_open(loglab_profile *profile, const char *path, loglab_reader **out, char **error);
/* A container in memory (copied; the caller may free `data` afterwards). */
int32_t loglab_reader_open_bytes(loglab_profile *profile, const void *data, int64_t length,
                                 loglab_reader **out, char **error);
void loglab_reader_free(loglab_reader *reader);
/* what: 0 records, 1 frames, 2 restored bytes, 3 1 if the restored file ends with "\n". -1 on error. */
int64_t loglab_reader_count(loglab_reader *reader, int32_t what);
/* what: 0 the container's profile id (hex), 1 its time index field ("" if none). Malloc'd. */
char *loglab_reader_info(loglab_reader *reader, int32_t what);
/* Frame `frame`: its first record, record count and time range (INT64_MIN when undated).
   Any output pointer may be NULL. */
int32_t loglab_reader_frame_info(loglab_reader *reader, int64_t frame, int64_t *first_record,
                                 int64_t *record_count, int64_t *min_time, int64_t *max_time, char **error);
/* Record `index` (0-based), exact bytes without its line end; decodes only its frame. */
int32_t loglab_reader_record(loglab_reader *reader, int64_t index, uint8_t **out, int64_t *out_length,
                             char **error);
/* Exact records of `frames` (count indices, in the order given), decoded on `threads`
   workers (<= 0: one per core). With filter != 0 only records whose time is in [from, to)
   are kept (the container needs a time index). */
int32_t loglab_reader_read_frames(loglab_reader *reader, const int64_t *frames, int64_t count,
                                  int64_t from, int64_t to, int32_t filter, int32_t threads,
                                  loglab_batch **out, char **error);

/* ---- record batches ---- */
void loglab_batch_free(loglab_batch *batch);
int64_t loglab_batch_count(loglab_batch *batch);
/* which: 0 the record bytes back to back, 1 count + 1 int64 offsets into them. Owned by the
   batch (valid until loglab_batch_free); NULL when empty. */
const void *loglab_batch_buffer(loglab_batch *batch, int32_t which, int64_t *length);

/* ---- columnar decode ----
   Typed columns for dotted field paths (`_source.func_name`), laid out as Arrow arrays:
   validity bitmaps (LSB first; absent when nothing is null), int32 offsets. npaths == 0:
   every leaf path met becomes a column (nested objects flattened, arrays kept as lists).
   with_records bit 0 also keeps the exact records (loglab_columns_batch); bit 1 decodes from
   the restored records even where the transformed streams would serve (the reference path,
   same result; for tests). Field-transformed frames are otherwise decoded straight from their
   streams (only the chosen fields and what their coding needs), unless records are kept or
   the time filter is on. Frames, threads and the time filter as in loglab_reader_read_frames. */
int32_t loglab_reader_columns(loglab_reader *reader, const int64_t *frames, int64_t count,
                              const char *const *paths, int64_t npaths, int64_t from, int64_t to,
                              int32_t filter, int32_t with_records, int32_t threads,
                              loglab_columns **out, char **error);
void loglab_columns_free(loglab_columns *columns);
/* what: 0 top-level columns, 1 rows, 2 all columns (top-level first, then list children). */
int64_t loglab_columns_count(loglab_columns *columns, int32_t what);
/* The exact records, when asked for; owned by `columns` (do not free). */
loglab_batch *loglab_columns_batch(loglab_columns *columns);

/* Column kinds (property 0) and how their buffers read. */
#define LOGLAB_NULL 0        /* every row null */
#define LOGLAB_BOOL 1        /* values: bitmap */
#define LOGLAB_INT64 2       /* values: int64 */
#define LOGLAB_FLOAT64 3     /* values: double */
#define LOGLAB_STRING 4      /* offsets (length + 1 int32) + data, UTF-8, unescaped */
#define LOGLAB_BINARY 5      /* same, bytes that are not UTF-8 */
#define LOGLAB_TIMESTAMP 6   /* values: int64 since the epoch in 10^-unit s (property 3: 3 or 6); zone buffer */
#define LOGLAB_DICTIONARY 7  /* values: int32 codes; dictionary offsets + data: the vocabulary */
#define LOGLAB_JSON 8        /* offsets + data: each value's exact JSON text (objects, mixed kinds) */
#define LOGLAB_LIST 9        /* offsets (length + 1 int32) into the child column (property 4) */

/* property: 0 kind, 1 length, 2 null count, 3 time unit digits, 4 child column index
   (-1: none), 5 dictionary length, 6 first row. A column holds rows first row ..
   first row + length - 1 of the batch and is null in the others: with npaths == 0, a field
   whose first and last values are under half of the rows apart keeps only the rows between
   them (otherwise, and for chosen paths, first row 0 and every row). -1 for a bad column or
   property. */
int64_t loglab_column_property(loglab_columns *columns, int64_t column, int32_t property);
/* which: 0 validity, 1 values, 2 offsets, 3 data, 4 dictionary offsets, 5 dictionary data,
   6 name, 7 zone ("UTC" or "+09:00"; both NUL-terminated, length without the NUL).
   Owned by `columns`; NULL when empty. */
const void *loglab_column_buffer(loglab_columns *columns, int64_t column, int32_t which, int64_t *length);

#ifdef __cplusplus
}
#endif

#endif /* LOGLAB_H */
