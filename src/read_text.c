/* read_text.c — plain text logs: one message a line, as Sumo stores them.
 *
 * The reader of last resort: a line is a message whose text is _raw and
 * which has no other fields (parse, parse regex, json auto, kv ... take it
 * apart in the query). _messageTime comes from a syslog header or a
 * timestamp that starts the line (`2024-06-04 10:00:00,123 INFO ...`,
 * ISO 8601); a line without one has no time. It never wins the format
 * vote: input.c falls back to it for a named file no other reader
 * recognises (saying so), and --input-format text forces it.
 */
#include <string.h>

#include "datetime.h"
#include "reader.h"

/* A timestamp that starts s: a date token, maybe followed by a time
 * token (`2024-06-04 10:00:00,123`), or one ISO 8601 token. */
static bool lead_time(pstr_t s, int64_t *ms) {
    if (s.n < 10 || s.p[4] != '-' || s.p[7] != '-') return false;
    size_t a = 0;
    while (a < s.n && s.p[a] != ' ' && s.p[a] != '\t') a++;
    size_t b = a;
    if (b < s.n) {
        b++;
        while (b < s.n && s.p[b] != ' ' && s.p[b] != '\t') b++;
    }
    if (b > a && dt_parse(pstr(s.p, b), ms)) return true;
    if (dt_parse(pstr(s.p, a), ms)) return true;
    /* log4j's comma before the milliseconds: 10:00:00,123 */
    char tmp[48];
    if (b > a && b < sizeof tmp) {
        memcpy(tmp, s.p, b);
        for (size_t i = a; i < b; i++)
            if (tmp[i] == ',') tmp[i] = '.';
        return dt_parse(pstr(tmp, b), ms);
    }
    return false;
}

static rd_status_t tx_record(rd_ctx_t *c, void *st, const rd_line_t *l, record_t *rec) {
    (void)st;
    (void)rec;
    int64_t ms;
    if (l->sl.has_time) rd_time(c, l->sl.ms);
    else if (lead_time(l->text, &ms)) rd_time(c, ms);
    return RD_REC;
}

static rd_status_t tx_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    return rd_line_record(c, p, n, eof, used, rec, tx_record);
}

/* See reader.h. */
const rd_impl_t rd_text = {
    .pub = {"text",
            "plain text: one message a line in _raw, no other fields (the fallback for a named file in no other "
            "format)",
            "never by the vote: used for a named file no other reader recognises, or with --input-format text",
            "_raw (the line), _messageTime (a syslog header, or a date and time that start the line)"},
    .open = rd_base_open,
    .next = tx_next,
    .close = rd_base_close,
    .line_sync = true,
    .split = 1,
};
