/* json.h — a zero-copy JSON scanner.
 *
 * Nothing is built: functions walk the text and hand back views into it.
 * A "value view" is the exact text of a JSON value (a string value
 * includes its quotes). Used by the JSON Lines and Sumo readers and by the
 * `json` operator. Never allocates except json_unescape, which writes into
 * an arena the caller owns.
 */
#ifndef POSTERN_JSON_H
#define POSTERN_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "str.h"
#include "value.h"

/* Skip whitespace from s[i], return the new index. */
size_t json_ws(const char *s, size_t n, size_t i);
/* Index just past the JSON value starting at s[i] (after whitespace), or
 * (size_t)-1 when it is not valid JSON. Depth is capped at 512. */
size_t json_skip(const char *s, size_t n, size_t i);
/* json_skip that also tells (through *truncated, may be NULL) whether a
 * failure is the text ending before the value does, which more input
 * could complete, rather than malformed JSON. */
size_t json_skip_ex(const char *s, size_t n, size_t i, bool *truncated);

/* The member whose key's opening quote is s[i]: the raw key text without
 * quotes in *key (escapes not decoded; *key_esc says whether it has any).
 * Returns the index of its value (after the ':' and whitespace), or
 * (size_t)-1 when no `"key" :` and value start are there. For walkers
 * that descend into values instead of skipping them (rd_walk). */
size_t json_member_key(const char *s, size_t n, size_t i, pstr_t *key, bool *key_esc);

/* Where the objects and arrays of one document end, recorded while
 * json_skip_ends validates it, so that a reader taking the document apart
 * level by level (json_iter_begin_valid) steps over a nested value at once
 * instead of scanning it again. Owned by the caller (about 10 KB: keep it
 * in a reader's state); holds the containers of the last document only. */
#define JSON_NENDS 512
typedef struct json_ends {
    const char *doc;              /* the document (borrowed), NULL: none */
    size_t n;                     /* its length */
    uint32_t gen, used;           /* the document's generation, its entries */
    uint32_t g[JSON_NENDS];       /* an entry's generation (another: empty) */
    uint32_t off[JSON_NENDS];     /* a container's offset in doc */
    uint32_t end[JSON_NENDS];     /* the offset past its closing bracket */
    uint32_t open[512];           /* while validating: the open containers' offsets */
} json_ends_t;

/* json_skip_ex that also records in *e where the containers of the value
 * at s[i] end (up to JSON_NENDS / 2 of them; later ones are scanned again
 * when skipped). Documents over 4 GiB record nothing. */
size_t json_skip_ends(const char *s, size_t n, size_t i, bool *truncated, json_ends_t *e);

/* json_skip for text known to be valid JSON (a part of a value json_skip
 * accepted): the same index, found without checking the grammar; a
 * container e recorded (e may be NULL) is stepped over at once. On other
 * text the result is unspecified (but within s[0..n), or (size_t)-1). */
size_t json_skip_valid(const char *s, size_t n, size_t i, const json_ends_t *e);

/* Iterator over the members of an object. */
typedef struct json_iter {
    const char *s;  /* the text, borrowed */
    size_t n, i;    /* length, position */
    bool err;       /* set when the text is not a valid object */
    unsigned char st; /* 0 before the first member, 1 inside, 2 after '}' */
    bool valid;     /* the text is known to be valid JSON: values are skipped by json_skip_valid */
    const struct json_ends *ends; /* with valid: the document's container ends (may be NULL) */
} json_iter_t;

/* Start iterating the object whose '{' is at or after s[i] (whitespace
 * allowed). Returns false (and sets it->err) when there is no object. */
bool json_iter_begin(json_iter_t *it, const char *s, size_t n, size_t i);
/* json_iter_begin over an object known to be valid JSON (inside a value
 * json_skip accepted): members' values are skipped by json_skip_valid. For
 * readers that take one validated record apart at several levels. */
bool json_iter_begin_valid(json_iter_t *it, const char *s, size_t n, size_t i, const struct json_ends *e);
/* Next member: key is the raw key text without quotes (escapes not
 * decoded; key_esc says whether it has any), val the value view. Returns
 * false at the end or on an error (it->err). */
bool json_iter_next(json_iter_t *it, pstr_t *key, bool *key_esc, pstr_t *val);

/* Decode a JSON string value view (with quotes) into a string. Views
 * without backslashes are returned without copying; otherwise the decoded
 * bytes (UTF-8) go into a. Returns false on a malformed string. */
bool json_unescape(pstr_t quoted, arena_t *a, pstr_t *out);
/* json_unescape for the body of a string without its quotes (e.g. a raw
 * key from json_iter_next). */
bool json_unescape_body(pstr_t body, arena_t *a, pstr_t *out);

/* The field value for a JSON value view, as Sumo stores JSON fields:
 * strings decoded, numbers/true/false as their text (marked VAL_JSONLIT,
 * value.h), null as null, objects and arrays as their JSON text. */
value_t json_to_value(pstr_t val, arena_t *a);

/* Look up a Sumo json path ("a.b", "a[0].c", "['key with.dot'].x") in
 * the document doc. Returns true and the value view when found; a path
 * with "[*]" is never found here (see json_path_each). */
bool json_path(pstr_t doc, pstr_t path, pstr_t *val);
/* Receives each value view a path reaches. */
typedef void (*json_path_fn)(void *ud, pstr_t val);
/* json_path that also takes "[*]" and filters ("Actor[*].Type": the rest of the path
 * from every element of the array, in order) and gives every value it
 * reaches to fn. True when at least one was. */
bool json_path_each(pstr_t doc, pstr_t path, json_path_fn fn, void *ud);
/* Check a path's grammar without a document (the json operator does at
 * parse time). Paths may start at a JSONPath root `$` ("$['a']['b.c']",
 * "$.a") and filter arrays ("a[?(@.final == true)].b"; one comparison with
 * a number, quoted text, true, false or null; or just "@.b": has b; an
 * element without the tested member never passes).
 * A `*` step (".*", or "['a']*" as Dropbox's app writes it) visits every
 * member of an object or element of an array.
 * Returns false with *errpos (offset in path) and *expect set; *indef
 * says whether the path can reach several values ([*], *, filters). */
bool json_path_check(pstr_t path, size_t *errpos, const char **expect, bool *indef);
/* The number of elements of an array view, members of an object view, or
 * bytes of a string view's written text (JSONPath's length()). */
bool json_length(pstr_t val, size_t *len);

#endif
