/* timeparse.h — reading and writing timestamps.
 *
 * Times are epoch milliseconds, UTC. Parsing accepts what log sources
 * write: ISO-8601 / RFC 3339 with or without a zone offset ('T' or space,
 * any fraction digits), "YYYY-MM-DD HH:MM:SS[.fff]" (UTC), epoch seconds
 * (up to 10 integer digits, optional fraction), epoch milliseconds (13
 * digits), microseconds (16) and nanoseconds (19). Nothing allocates.
 */
#ifndef POSTERN_TIMEPARSE_H
#define POSTERN_TIMEPARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "str.h"

/* Parse s into epoch ms. */
bool time_parse(pstr_t s, int64_t *ms);
/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
