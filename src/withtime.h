/* withtime.h — the text of a `withtime` field.
 *
 * `withtime f` (op_withtime.c) sets f_withtime to a JSON object holding
 * f's value and its message time, {"timestamp":<ms>,"value":<value>};
 * most_recent and least_recent (agg.c) read it back. Both sides borrow:
 * wt_make writes into the arena it is given, wt_split returns views into
 * the text.
 */
#ifndef POSTERN_WITHTIME_H
#define POSTERN_WITHTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "value.h"

/* The withtime text of value v at time ms, written into a; null when v is
 * null. */
value_t wt_make(arena_t *a, value_t v, int64_t ms);
/* When text is a withtime object: true, its time in *ms and the JSON text
 * of its value in *json (a view into text). */
bool wt_split(pstr_t text, int64_t *ms, pstr_t *json);

#endif
