/* read_winxml.c — Windows Event XML, and Sysmon for Linux in syslog.
 *
 * An input is a run of `<Event>…</Event>` elements (concatenated, wrapped
 * in `<Events>`, pretty-printed over many lines: records are cut at
 * `</Event>`), or syslog lines whose message is one such element (Sysmon
 * for Linux); other syslog lines are skipped and counted. winevt.c lists
 * the event's values (System elements `EventID` and attributes
 * `Provider.Name`, EventData items by Name, UserData leaves,
 * RenderingInfo Message: we_xml_scan) and maps them to the schema.
 */
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "winevt.h"
#include "xml.h"

/* Per-input state (heap, owned by the reader). */
typedef struct wx {
    we_state_t *we;        /* the mapping's state */
    we_list_t l;           /* the event's values, reused */
    sl_clock_t clock;      /* years for BSD syslog dates */
} wx_t;

static void *wx_open(rd_ctx_t *c) {
    wx_t *s = xcalloc(1, sizeof *s);
    s->we = we_open(c);
    sl_clock_init(&s->clock, c->ref_ms);
    return s;
}

static void wx_close(void *st) {
    wx_t *s = st;
    if (!s) return;
    we_close(s->we);
    we_list_free(&s->l);
    free(s);
}

static bool is_sp(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

/* True when s[i..n) starts with the tag name `name` (then a blank, '>' or '/'). */
static bool tag_is(const char *s, size_t n, size_t i, const char *name) {
    size_t k = strlen(name);
    return i + k < n && memcmp(s + i, name, k) == 0 && (is_sp(s[i + k]) || s[i + k] == '>' || s[i + k] == '/');
}

/* Map the event s[0..n) into rec. */
static rd_status_t emit_event(rd_ctx_t *c, wx_t *x, const char *s, size_t n, const we_ext_t *ext, record_t *rec) {
    if (!we_xml_scan(c, &x->l, s, n, false)) {
        c->reason = RD_R_XML;
        return RD_REJECT;
    }
    we_emit(x->we, c, x->l.f, x->l.n, ext, rec);
    return RD_REC;
}

/* ---- the stream ------------------------------------------------------- */

/* An event element starts at s[i]. */
static bool event_at(const char *s, size_t n, size_t i) { return tag_is(s, n, i, "<Event"); }

/* Skip declarations, comments, <Events> wrappers and blanks between
 * events; then read one event, or one syslog line. */
static rd_status_t wx_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    wx_t *x = c->st;
    size_t i = 0;
    for (;;) {
        while (i < n && is_sp(p[i])) i++;
        *used = i;
        if (i >= n) return eof ? RD_END : RD_MORE;
        if (p[i] == '<' && n - i < 16 && !eof) return RD_MORE; /* enough to tell <Event from <Events */
        bool pri = p[i] == '<' && i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '9'; /* a syslog <PRI> */
        if (p[i] == '<' && !pri && !event_at(p, n, i)) {
            /* between events: <?xml …?>, <!-- … -->, <Events …>, </Events>, anything else up to its '>' */
            const char *close = n - i >= 4 && memcmp(p + i, "<!--", 4) == 0 ? "-->"
                                : i + 1 < n && p[i + 1] == '?'            ? "?>"
                                                                          : ">";
            size_t e = xml_find(p, n, i + 1, close);
            if (e >= n) {
                if (!eof) return RD_MORE;
                c->rec_off = i;
                c->text = pstr(p + i, n - i);
                *used = n;
                c->reason = RD_R_XML;
                return RD_REJECT;
            }
            i = e + strlen(close);
            continue;
        }
        c->rec_off = i;
        if (p[i] == '<' && !pri) { /* an XML event, maybe over many lines */
            size_t e = xml_find(p, n, i, "</Event>");
            if (e >= n) {
                if (!eof) return RD_MORE;
                c->text = pstr(p + i, n - i);
                *used = n;
                c->reason = RD_R_XML;
                return RD_REJECT;
            }
            e += 8;
            c->text = pstr(p + i, e - i);
            *used = e;
            we_ext_t ext = {PSTR_NULL, false, 0, 0};
            return emit_event(c, x, p + i, e - i, &ext, rec);
        }
        /* a text line: a syslog message holding one event (Sysmon for Linux) */
        rd_line_t l;
        size_t u;
        rd_status_t st = rd_line_next(c, p + i, n - i, eof, RD_LN_SYSLOG, &x->clock, &u, &l);
        *used = i + u;
        if (st != RD_REC) return st;
        c->rec_off += i;
        pstr_t line = l.text;
        const sl_hdr_t h = l.sl;
        size_t b = (size_t)(h.body.p - line.p);
        while (b < line.n && is_sp(line.p[b])) b++;
        if (!event_at(line.p, line.n, b)) return RD_SKIP; /* another daemon's message */
        size_t e = xml_find(line.p, line.n, b, "</Event>");
        if (e >= line.n) { /* cut short (syslog size limit) */
            c->reason = RD_R_XML;
            return RD_REJECT;
        }
        we_ext_t ext = {h.host, h.has_time, h.ms, 0};
        return emit_event(c, x, line.p + b, e + 8 - b, &ext, rec);
    }
}

/* An XML declaration, <Events> or <Event> first. */
static int wx_probe(const char *p, size_t n) {
    size_t i = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < n && is_sp(p[i])) i++;
    if (tag_is(p, n, i, "<Event") || tag_is(p, n, i, "<Events")) return 90;
    if (n - i >= 5 && memcmp(p + i, "<?xml", 5) == 0 && xml_find(p, n, i, "<Event") < n) return 90;
    return 0;
}

/* A line that is an event, or a syslog message holding one. */
static int wx_line(const rd_line_t *l) {
    pstr_t b = l->sl.body;
    return b.n > 7 && memcmp(b.p, "<Event", 6) == 0 && (is_sp(b.p[6]) || b.p[6] == '>') ? 90 : 0;
}

/* See reader.h. */
const rd_impl_t rd_winevt_xml = {
    .pub = {"winevt-xml",
            "Windows Event XML (<Events>/<Event>, one per line or pretty-printed; UTF-16 or UTF-8) and Sysmon for "
            "Linux events in syslog lines",
            "an XML declaration, <Events> or <Event> first; or lines (syslog header stripped) that start with <Event",
            "Sysmon EID 3: _messageTime (UtcTime), src_ip, src_port, dest_ip, dest_port, protocol, direction "
            "(Initiated), process_name (Image), pid, user, host (Computer), _sourceHost, event_id; EID 1: process_name, "
            "pid, user, host; Security 5156/5157: src/dest ip and port, protocol, direction, process_name "
            "(Application), pid, action; PowerShell 4104: pid, user (SID), host; every event: _sourceCategory, "
            "_messageTime, host, event_id"},
    .probe = wx_probe,
    .line = wx_line,
    .open = wx_open,
    .next = wx_next,
    .close = wx_close,
    .line_sync = true,
    .mux = true,
};
