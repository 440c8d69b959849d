/* read_winxml.c — Windows Event XML, and Sysmon for Linux in syslog.
 *
 * An input is a run of `<Event>…</Event>` elements (concatenated, wrapped
 * in `<Events>`, pretty-printed over many lines: records are cut at
 * `</Event>`), or syslog lines whose message is one such element (Sysmon
 * for Linux); other syslog lines are skipped and counted. A small
 * zero-copy scanner lists the event's values (System elements `EventID`
 * and attributes `Provider.Name`, EventData items by Name, UserData
 * leaves, RenderingInfo Message) through xml.c's scanner and winevt.c
 * maps them to the schema.
 */
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "winevt.h"
#include "xml.h"

#define WX_MAXDEPTH 16     /* element nesting followed inside an event */
#define WX_MAXFIELDS 1024  /* values kept per event */

/* Per-input state (heap, owned by the reader). */
typedef struct wx {
    we_state_t *we;        /* the mapping's state */
    we_field_t *f;         /* the event's values, reused */
    size_t nf, cap;        /* used / allocated */
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
    free(s->f);
    free(s);
}

static bool is_sp(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

/* True when s[i..n) starts with the tag name `name` (then a blank, '>' or '/'). */
static bool tag_is(const char *s, size_t n, size_t i, const char *name) {
    size_t k = strlen(name);
    return i + k < n && memcmp(s + i, name, k) == 0 && (is_sp(s[i + k]) || s[i + k] == '>' || s[i + k] == '/');
}

/* ---- one event -------------------------------------------------------- */

static we_field_t *add_field(wx_t *x) {
    if (x->nf == WX_MAXFIELDS) return NULL;
    if (x->nf == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 64;
        x->f = xrealloc(x->f, x->cap * sizeof *x->f);
    }
    return &x->f[x->nf++];
}

/* Sections of an event (its child elements). */
enum { X_NONE, X_SYSTEM, X_DATA, X_USER, X_RENDER };

/* "E.A" in the arena. */
static pstr_t dotted(arena_t *a, pstr_t e, pstr_t at) {
    char *o = arena_alloc(a, e.n + at.n + 1);
    memcpy(o, e.p, e.n);
    o[e.n] = '.';
    memcpy(o + e.n + 1, at.p, at.n);
    return pstr(o, e.n + at.n + 1);
}

/* A leaf element's text: CDATA unwrapped, else XML-escaped. */
static void leaf_value(pstr_t t, we_field_t *f) {
    f->enc = WE_XML;
    if (t.n >= 12 && memcmp(t.p, "<![CDATA[", 9) == 0 && memcmp(t.p + t.n - 3, "]]>", 3) == 0) {
        t = pstr(t.p + 9, t.n - 12);
        f->enc = WE_PLAIN;
    }
    f->val = t;
}

/* List the values of the event s[0..n) (from "<Event" to "</Event>").
 * Returns false when it is not well formed enough to read. */
static bool scan_event(rd_ctx_t *c, wx_t *x, const char *s, size_t n) {
    struct {
        pstr_t name, attrs;
        size_t text;   /* offset where its content starts */
        bool kids;     /* it has child elements */
    } st[WX_MAXDEPTH];
    int depth = 0, sect = X_NONE;
    x->nf = 0;
    size_t i = 0;
    while (i < n) {
        xml_tok_t tok;
        size_t after = xml_token(s, n, i, &tok);
        if (tok.kind == XML_BAD) return false;
        if (tok.kind != XML_TAG) { /* text, CDATA, comments, declarations */
            i = after;
            continue;
        }
        xml_tag_t t = tok.tag;
        t.name = xml_local(t.name); /* prefix dropped */
        if (t.end) {
            if (depth == 0) return false;
            depth--;
            if (!pstr_eq(st[depth].name, t.name)) return false;
            if (depth == 0) return true; /* </Event> */
            if (!st[depth].kids) { /* a leaf: its text is a value */
                pstr_t text = pstr(s + st[depth].text, i - st[depth].text);
                pstr_t nm = st[depth].name;
                we_field_t *f = NULL;
                if (sect == X_SYSTEM && depth == 2) {
                    if ((f = add_field(x))) f->name = nm, f->sect = WE_SYS;
                } else if (sect == X_DATA && depth == 2) {
                    pstr_t an, av, dn = nm;
                    size_t k = 0;
                    if (pstr_eq(nm, PSTR_LIT("Data")))
                        while (xml_next_attr(st[depth].attrs, &k, &an, &av))
                            if (pstr_eq(an, PSTR_LIT("Name"))) dn = av;
                    if ((f = add_field(x))) f->name = dn, f->sect = WE_DATA;
                } else if (sect == X_USER && depth >= 2) {
                    if ((f = add_field(x))) f->name = nm, f->sect = WE_DATA;
                } else if (sect == X_RENDER && depth == 2 && pstr_eq(nm, PSTR_LIT("Message"))) {
                    if ((f = add_field(x))) f->name = nm, f->sect = WE_OTHER;
                }
                if (f) {
                    f->native = true;
                    leaf_value(text, f);
                }
            }
            if (depth == 1) sect = X_NONE;
            i = after;
            continue;
        }
        /* a start tag */
        if (depth > 0) st[depth - 1].kids = true;
        if (depth == 1) {
            sect = pstr_eq(t.name, PSTR_LIT("System"))          ? X_SYSTEM
                   : pstr_eq(t.name, PSTR_LIT("EventData"))     ? X_DATA
                   : pstr_eq(t.name, PSTR_LIT("UserData"))      ? X_USER
                   : pstr_eq(t.name, PSTR_LIT("RenderingInfo")) ? X_RENDER
                                                                : X_NONE;
        }
        if (sect == X_SYSTEM && depth == 2) { /* attributes: Element.Attribute */
            pstr_t an, av;
            size_t k = 0;
            while (xml_next_attr(t.attrs, &k, &an, &av)) {
                if (pstr_eq(an, PSTR_LIT("xmlns"))) continue;
                we_field_t *f = add_field(x);
                if (!f) break;
                f->name = dotted(c->arena, t.name, an);
                f->val = av;
                f->enc = WE_XML;
                f->sect = WE_SYS;
                f->native = true;
            }
        }
        if (t.empty) {
            if (sect == X_DATA && depth == 2 && pstr_eq(t.name, PSTR_LIT("Data"))) { /* <Data Name="x"/> */
                pstr_t an, av;
                size_t k = 0;
                while (xml_next_attr(t.attrs, &k, &an, &av))
                    if (pstr_eq(an, PSTR_LIT("Name"))) {
                        we_field_t *f = add_field(x);
                        if (f) *f = (we_field_t){av, pstr(s + i, 0), WE_PLAIN, WE_DATA, true};
                    }
            }
            if (depth == 1) sect = X_NONE;
            i = after;
            continue;
        }
        if (depth == WX_MAXDEPTH) return false;
        st[depth].name = t.name;
        st[depth].attrs = t.attrs;
        st[depth].text = after;
        st[depth].kids = false;
        depth++;
        i = after;
    }
    return false;
}

/* Map the event s[0..n) into rec. */
static rd_status_t emit_event(rd_ctx_t *c, wx_t *x, const char *s, size_t n, const we_ext_t *ext, record_t *rec) {
    if (!scan_event(c, x, s, n)) {
        c->reason = RD_R_XML;
        return RD_REJECT;
    }
    we_emit(x->we, c, x->f, x->nf, ext, rec);
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
