/* value.h — the typed values the engine computes with.
 *
 * Values from input are strings (views into the input buffer or the batch
 * arena); numbers and booleans appear only where an expression makes them,
 * as in Sumo. A string that was a JSON number or true/false literal in the
 * input carries VAL_JSONLIT, so that JSON output writes it back as one
 * (the engine treats it as any string). A value never owns its string bytes: they live as long as the
 * record's batch (or the query arena, for literals).
 */
#ifndef POSTERN_VALUE_H
#define POSTERN_VALUE_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "str.h"

/* Value types. ORDER VTYPE: val_type_name() depends on it. */
typedef enum vtype { V_NULL = 0, V_STR, V_NUM, V_BOOL } vtype_t;

/* A tagged value: 16 bytes. */
typedef struct value {
    uint8_t t;  /* vtype_t */
    uint8_t b;  /* V_BOOL: 0 or 1; V_STR: VAL_JSONLIT or 0 */
    uint32_t n; /* V_STR: length of s */
    union {
        const char *s; /* V_STR: borrowed bytes (see the file comment) */
        double d;      /* V_NUM */
    };
} value_t;

/* V_STR's b: the text was a JSON number, true or false (unquoted) in the
 * input (json_to_value). Copies of the value keep it; strings made from it
 * (functions, concatenation) do not. */
#define VAL_JSONLIT 1

static inline value_t val_null(void) { return (value_t){.t = V_NULL}; }
static inline value_t val_num(double d) { return (value_t){.t = V_NUM, .d = d}; }
static inline value_t val_bool(bool b) { return (value_t){.t = V_BOOL, .b = (uint8_t)b}; }
/* A string value. Its bytes are never NULL, not even for "" (an empty
 * buffer or PSTR_NULL gives a static ""), so `v.s + k` is always defined:
 * the one place that keeps NULL out of every string the engine makes. */
static inline value_t val_str(const char *p, size_t n) { return (value_t){.t = V_STR, .n = (uint32_t)n, .s = p ? p : ""}; }
static inline value_t val_strv(pstr_t s) { return val_str(s.p, s.n); }
static inline pstr_t val_pstr(value_t v) { return (pstr_t){v.s, v.n}; }
static inline bool val_is_null(value_t v) { return v.t == V_NULL; }

/* ---- a value packed as bytes (rows held by a sort, rows handed between
 * threads): a type byte, then a V_STR's length (a varint) and bytes, a
 * V_NUM's 8 bytes or a V_BOOL's byte. */

/* Bytes val_pack writes for v. */
size_t val_pack_size(value_t v);
/* Write v at p (val_pack_size(v) bytes); returns the end. */
char *val_pack(char *p, value_t v);
/* Read the value at p into *v (a string points into p's bytes, which
 * must outlive it); returns the end. */
const char *val_unpack(const char *p, value_t *v);
/* Write u at p as a varint (7 bits a byte, at most 10 bytes); returns the end. */
char *val_pack_uint(char *p, uint64_t u);
/* The varint at p into *u; returns the end. */
const char *val_unpack_uint(const char *p, uint64_t *u);
/* Bytes val_pack_uint writes for u. */
size_t val_uint_size(uint64_t u);

/* "null", "string", "number", "boolean". */
const char *val_type_name(vtype_t t);

/* Parse s as a number the way Sumo's implicit cast does: optional sign,
 * digits, fraction, exponent, surrounding whitespace allowed; hex and
 * words are not numbers. Returns false when s is not a number. */
bool str_to_num(pstr_t s, double *out);

/* Numeric view of v: numbers as is, strings through str_to_num, booleans
 * 1/0. False for null and non-numeric strings. */
bool val_to_num(value_t v, double *out);

/* Truth of v in a boolean context: booleans as is; the strings "true" and
 * "false" (any case); numbers non-zero; null false. */
bool val_truthy(value_t v);

/* Append the text form of v: integral numbers as integers (no exponent up
 * to 2^63), other numbers with the shortest %g that reads back the same,
 * booleans as true/false, null as nothing. */
void val_fmt(buf_t *b, value_t v);

/* Text of a number into out (at least 32 bytes); returns the length. */
int num_fmt(char *out, double d);

/* Equality as `=` tests it: if either side is a number and both convert,
 * numerically; otherwise as strings (case-sensitive). Null is never equal. */
bool val_eq(value_t a, value_t b);

/* Order for sort: numbers before strings?  No: both numeric → numeric,
 * otherwise text of each compared bytewise; null sorts last in either
 * direction (the caller handles direction). Returns <0, 0, >0. */
int val_cmp(value_t a, value_t b);

#endif
