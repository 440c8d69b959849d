/* read_text.c — plain text logs: one message a line, as Sumo stores them.
 *
 * The reader of last resort: a line is a message whose text is _raw and
 * which has no other fields (parse, parse regex, json auto, kv ... take it
 * apart in the query). _messageTime comes from a syslog header or a
 * timestamp that starts the line (`2024-06-04 10:00:00,123 INFO ...`,
 * ISO 8601, Apache's and the NCSA access log's bracketed times); a line
 * without one has no time. It never wins the format vote: input.c falls
 * back to it for a file no other reader recognises (saying so), and
 * --input-format text forces it.
 */
#include <string.h>

#include "datetime.h"
#include "reader.h"

/* The end of an ISO 8601 date and time that starts s (`2024-06-04
 * 10:00:00,123`, `2022-07-20T21:12:06.270Z,…`): the date, then a time
 * after 'T' or one blank, its fraction, a zone; 0 when s holds none. */
static size_t iso_end(pstr_t s) {
    if (s.n < 10 || s.p[4] != '-' || s.p[7] != '-') return 0;
    size_t i = 10;
    if (i + 1 < s.n && (s.p[i] == 'T' || s.p[i] == ' ') && s.p[i + 1] >= '0' && s.p[i + 1] <= '9') {
        i++;
        while (i < s.n && ((s.p[i] >= '0' && s.p[i] <= '9') || s.p[i] == ':')) i++;
        if (i + 1 < s.n && (s.p[i] == '.' || s.p[i] == ',') && s.p[i + 1] >= '0' && s.p[i + 1] <= '9')
            for (i++; i < s.n && s.p[i] >= '0' && s.p[i] <= '9'; i++) {}
        if (i < s.n && (s.p[i] == 'Z' || s.p[i] == 'z')) i++;
        else if (i + 2 < s.n && (s.p[i] == '+' || s.p[i] == '-') && s.p[i + 1] >= '0' && s.p[i + 1] <= '9')
            for (i++; i < s.n && ((s.p[i] >= '0' && s.p[i] <= '9') || s.p[i] == ':'); i++) {}
    }
    return i;
}

/* A timestamp that starts s, in the layouts text logs lead with: ISO 8601
 * (log4j's comma before the milliseconds too), Apache's error log
 * `[Sun Dec 04 04:47:44 2005]`, and the NCSA access log's
 * `[08/Dec/2021:17:23:24 +0100]` after its client, ident and user. */
static bool lead_time(pstr_t s, int64_t *ms) {
    size_t e = iso_end(s);
    if (e) {
        char tmp[48];
        if (e >= sizeof tmp) return false;
        memcpy(tmp, s.p, e);
        for (size_t i = 10; i < e; i++)
            if (tmp[i] == ',') tmp[i] = '.';
        return dt_parse(pstr(tmp, e), ms);
    }
    pstr_t br = s;
    if (br.n && br.p[0] != '[') { /* NCSA: client ident user [time] */
        const char *b = memchr(br.p, '[', br.n < 160 ? br.n : 160);
        unsigned blanks = 0;
        for (const char *q = br.p; b && q < b; q++) blanks += *q == ' ';
        br = b && blanks == 3 && b[-1] == ' ' ? pstr(b, (size_t)(br.p + br.n - b)) : PSTR_NULL;
    }
    const char *close = br.n > 20 ? memchr(br.p, ']', br.n < 48 ? br.n : 48) : NULL;
    if (!close) return false;
    pstr_t in = pstr(br.p + 1, (size_t)(close - br.p - 1));
    static const char *const pats[] = {"EEE MMM dd HH:mm:ss.SSS yyyy", "EEE MMM dd HH:mm:ss yyyy",
                                       "dd/MMM/yyyy:HH:mm:ss Z"};
    for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++)
        if (dt_parse_java(in, pstr_c(pats[k]), NULL, ms)) return true;
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
            "plain text: one message a line in _raw, no other fields (the fallback for a file of text in no other "
            "format, named or found in a directory)",
            "never by the vote: used for text no other reader recognises (said on stderr), or with --input-format "
            "text",
            "_raw (the line), _messageTime (a syslog header, or a timestamp that starts the line: ISO 8601, "
            "Apache's [Sun Dec 04 04:47:44 2005], the access log's [08/Dec/2021:17:23:24 +0100])"},
    .open = rd_base_open,
    .next = tx_next,
    .close = rd_base_close,
    .line_sync = true,
    .split = 1,
};
