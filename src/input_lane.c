/* input_lane.c — a lane: one reader turning one stream of bytes into
 * records, the one reading path of the input layer (see input_int.h).
 *
 * in_lane_read fills the lane's buffer from its source (in_src_read)
 * when the reader asks for more, drops the lines the raw-byte prefilter
 * rules out, hands a line another mux reader knows to that reader,
 * completes each record (_raw, _messageTime, _sourceCategory,
 * _sourceName) and calls the engine's callback; malformed records are
 * counted and reported. The run's lane 0 reads every input serially with
 * it; input_lanes.c runs one lane per thread on ranges of a file.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "input_int.h"
#include "prefilter.h"
#include "tty.h"

/* See input_int.h. */
void in_lane_init(in_lane_t *L, in_run_t *r, unsigned idx, size_t cap) {
    memset(L, 0, sizeof *L);
    L->r = r;
    L->idx = idx;
    L->cap = cap;
    L->buf = xmalloc(cap);
    rec_init(&L->rec, &L->arena);
    L->ctx.ft = r->ft;
    L->ctx.arena = &L->arena;
}

/* See input_int.h. */
void in_lane_free(in_lane_t *L) {
    rec_free(&L->rec);
    arena_free(&L->arena);
    free(L->buf);
    L->buf = NULL;
}

/* See input_int.h. */
void in_lane_begin(in_lane_t *L, const rd_impl_t *fmt, const char *name, in_src_t *src, int64_t ref_ms) {
    L->fmt = fmt;
    L->name = name;
    L->src = src;
    L->discard = 0;
    L->line = 1;
    L->ahead = 0;
    L->pc.ready = false;
    memset(&L->st, 0, sizeof L->st);
    L->nrep = 0;
    L->stop = L->err = 0;
    L->ctx.name = name;
    L->ctx.ref_ms = ref_ms;
    /* Lane 0 reads an input alone: its reader may use -j's threads (a
     * lane of a file cut for several threads is one of them). */
    L->ctx.nthreads = L == &L->r->lane && L->r->par.nthreads > 1 ? L->r->par.nthreads : 1;
    L->ctx.quiet = L->r->o->quiet;
    L->ctx.call.at = (L->r->fileno << 44) + 1; /* the header, read by every lane of the file, is at its start */
    L->ctx.st = fmt->open(&L->ctx);
}

/* See input_int.h. */
void in_lane_end(in_lane_t *L) {
    in_run_t *r = L->r;
    rd_ctx_t *c = &L->ctx;
    if (L->direct && !r->o->quiet && L->nrep > r->max_reports)
        fprintf(stderr, "%s: %llu more malformed records skipped\n", tty_name(L->name),
                (unsigned long long)(L->nrep - r->max_reports));
    /* the records of lines other mux readers read are theirs */
    size_t fidx = in_reader_index(L->fmt);
    uint64_t own = L->st.records;
    for (size_t k = 0; k < in_nreaders; k++) {
        if (c->mux_st[k]) in_readers[k]->close(c->mux_st[k]);
        c->mux_st[k] = NULL;
        if (k < IN_MAXFORMATS) L->st.fmt_records[k] += c->mux_recs[k];
        own -= c->mux_recs[k];
        c->mux_recs[k] = 0;
    }
    if (fidx < IN_MAXFORMATS) L->st.fmt_records[fidx] += own;
    L->fmt->close(c->st);
    c->st = NULL;
    L->view = NULL;
}

/* See input_int.h. */
void in_lane_merge(const in_lane_t *L, in_stats_t *st) {
    st->bytes += L->st.bytes;
    st->records += L->st.records;
    st->rejected += L->st.rejected;
    st->prefiltered += L->st.prefiltered;
    st->out_of_range += L->st.out_of_range;
    st->skipped += L->st.skipped;
    for (unsigned k = 0; k < RD_NREASON; k++) st->reasons[k] += L->st.reasons[k];
    for (unsigned k = 0; k < IN_MAXFORMATS; k++) st->fmt_records[k] += L->st.fmt_records[k];
    st->pf_tally.in_scope += L->st.pf_tally.in_scope;
    st->pf_tally.out_of_range += L->st.pf_tally.out_of_range;
    st->pf_tally.range_in_scope += L->st.pf_tally.range_in_scope;
    for (unsigned k = 0; k < IN_MAXTALLY; k++) {
        st->pf_tally.with[k] += L->st.pf_tally.with[k];
        st->pf_tally.with_in_scope[k] += L->st.pf_tally.with_in_scope[k];
    }
}

/* ---- one record ---------------------------------------------------- */

/* Fill in what the reader leaves to the input layer: _raw, _messageTime
 * (the reader's own, else the first timestamp field that parses),
 * _sourceCategory (the record's, else --category, else the reader's
 * default), _sourceName; each unless the query never reads it (c->ft->skip,
 * field.h). */
static void complete(rd_ctx_t *c, record_t *rec, const in_opts_t *o, const char *name, uint64_t line, uint64_t seq) {
    unsigned skip = c->ft->skip;
    rec->file = name;
    rec->line = line;
    rec->seq = seq;
    rec->raw = (c->spmask & (1u << RD_SP_RAW)) ? c->raw : c->text;
    if (!(skip & FT_SKIP_RAW)) rec_set(rec, F_RAW, val_strv(rec->raw));

    bool timed = c->has_time || (skip & FT_SKIP_TIME);
    if (c->has_time && !(skip & FT_SKIP_TIME)) rec_set(rec, F_MESSAGETIME, val_num((double)c->time_ms));
    /* the specials after _raw the reader noted, in their order */
    uint32_t todo = timed ? 0 : c->spmask & ((1u << RD_NSPECIAL) - 1) & ~((2u << RD_SP_RAW) - 1);
    for (; todo && !timed; todo &= todo - 1) {
        int k = __builtin_ctz(todo);
        int64_t ms;
        double d;
        /* Sumo's own time fields are epoch milliseconds whatever their size. */
        if ((k == RD_SP_MTIMEMS || k == RD_SP_MTIME || k == RD_SP_RECEIPTTIME) && str_to_num(c->spv[k], &d) &&
            fabs(d) < 9.2e18 && d == floor(d)) { /* (an integer an int64_t holds) */
            rec_set(rec, F_MESSAGETIME, val_num(d));
            timed = true;
        } else if (dt_parse(c->spv[k], &ms)) {
            rec_set(rec, F_MESSAGETIME, val_num((double)ms));
            timed = true;
        }
    }
    if (!timed && rec_get(rec, F_MESSAGETIME).t != V_NULL) rec_unset(rec, F_MESSAGETIME);
    if (!(skip & FT_SKIP_CATEGORY) && rec_get(rec, F_SOURCECATEGORY).t == V_NULL) {
        if (o->category) rec_set(rec, F_SOURCECATEGORY, val_strv(pstr_c(o->category)));
        else if (c->defcat.n) rec_set(rec, F_SOURCECATEGORY, val_strv(c->defcat));
    }
    if (!(skip & FT_SKIP_NAME) && rec_get(rec, F_SOURCENAME).t == V_NULL)
        rec_set(rec, F_SOURCENAME, val_strv(pstr_c(name)));
}

/* A malformed record at line: counted, and reported at once (a serial
 * lane) or remembered for the report in file order (input_lanes.c). */
static void report(in_lane_t *L, uint64_t line, unsigned reason) {
    in_run_t *r = L->r;
    L->st.rejected++;
    if (reason < RD_NREASON) L->st.reasons[reason]++;
    if (r->o->quiet) return;
    if (L->direct && L->nrep < r->max_reports)
        fprintf(stderr, "%s:%llu: skipped: %s\n", tty_name(L->name), (unsigned long long)line, in_reason_name(reason));
    if (!L->direct && L->nrep < IN_LANEREPORTS) {
        L->rep_line[L->nrep] = line;
        L->rep_reason[L->nrep] = reason;
    }
    L->nrep++;
}

/* ---- the prefilter ------------------------------------------------- */

/* True when the CSV row at p[0..n) (the whole rest of the buffer) is
 * complete and certainly fails the prefilter, with *len its length
 * including the newline (and what it held counted in t). */
static bool csv_dropped(const pf_t *pf, const rd_impl_t *fmt, void *st, in_pfcols_t *pc, const char *p, size_t n,
                        size_t *len, in_tally_t *t) {
    const char *nl = memchr(p, '\n', n);
    if (!nl) return false;
    size_t k = (size_t)(nl - p);
    *len = k + 1;
    /* Blank lines are the reader's; so are rows with quotes (pf_csv says
     * "maybe" when it meets one). */
    size_t i = 0;
    while (i < k && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r')) i++;
    if (i == k || !fmt->colmap) return false;
    if (!pc->ready) {
        uint32_t nf = pf_nfields(pf);
        for (uint32_t f = 0; f < nf && f < 32; f++) {
            pc->col[f] = fmt->colmap(st, pf_field(pf, f));
            if (pc->col[f] == -2) return false; /* before the header */
        }
        int w = fmt->colmap(st, FIELD_NONE);
        if (w < 0) return false;
        pc->ncol = (unsigned)w;
        pc->tcol = fmt->timecol ? fmt->timecol(st, &pc->tms) : -1;
        pc->ready = true;
    }
    pf_ans_t a = pf_csv_timed(pf, pc->col, pc->ncol, pc->tcol, pc->tms, p, k, t);
    return a == PF_NO || a == PF_OUT;
}

/* How many records from the start of p[0..n) (the whole rest of the
 * buffer) certainly fail the prefilter, one after the other: they are
 * dropped unread, *len gets the bytes they take, t what they held (when
 * the prefilter counts), *next the length of the line after them when
 * the prefilter found its newline (0: not known). Only for readers whose
 * raw keys or columns are the field names (fmt->prefilter). */
static uint64_t prefiltered(const pf_t *pf, const rd_impl_t *fmt, void *st, in_pfcols_t *pc, const char *p,
                            size_t n, size_t *len, size_t *next, in_tally_t *t) {
    *len = *next = 0;
    if (fmt->prefilter == 1) return pf_jsonl_drop(pf, p, n, len, next, t);
    if (fmt->prefilter != 2) return 0;
    uint64_t k = 0;
    size_t one;
    while (*len < n && csv_dropped(pf, fmt, st, pc, p + *len, n - *len, &one, t)) {
        *len += one;
        k++;
    }
    return k;
}

/* ---- lines of other sources (a syslog file mixing them) ------------- */

/* Reset what a reader sets per record. */
static void ctx_clear(rd_ctx_t *c, record_t *rec) {
    rec_clear(rec);
    c->spmask = 0;
    c->has_time = false;
    c->defcat = PSTR_NULL;
    c->text = PSTR_NULL;
    c->rec_off = 0;
    c->pos = 0;
    c->call.ln_p = c->call.hint_p = NULL;
    c->call.hint_len = 0;
}

/* The input's reader fmt skipped the last line of p[0..used) as no record
 * of its format: the other mux reader that scores that line best (50 or
 * more) reads it, with its own state in c->mux_st. Returns that reader's
 * answer (RD_REC or RD_REJECT, *off at the line) or RD_SKIP. */
static rd_status_t mux_line(const rd_impl_t *fmt, rd_ctx_t *c, record_t *rec, const char *p, size_t used,
                            size_t *off) {
    if (!used) return RD_SKIP;
    size_t le = used, ls = used - 1; /* p[used-1] is the line's '\n' (or its last byte at the end) */
    while (ls > 0 && p[ls - 1] != '\n') ls--;
    pstr_t t = pstr_trim(pstr(p + ls, le - ls));
    if (!t.n) return RD_SKIP;
    rd_line_t l;
    rd_line_parse(&l, t, NULL);
    size_t best = in_nreaders;
    int bs = 49;
    for (size_t k = 0; k < in_nreaders; k++) {
        if (!in_readers[k]->mux || in_readers[k] == fmt || !in_readers[k]->line) continue;
        int sc = in_readers[k]->line(&l);
        if (sc > bs) {
            bs = sc;
            best = k;
        }
    }
    if (best == in_nreaders) return RD_SKIP;
    void *own = c->st;
    if (!c->mux_st[best]) c->mux_st[best] = in_readers[best]->open(c);
    c->st = c->mux_st[best];
    ctx_clear(c, rec);
    size_t u = 0;
    rd_status_t rs = in_readers[best]->next(c, p + ls, le - ls, true, &u, rec);
    c->st = own;
    if (rs != RD_REC && rs != RD_REJECT) {
        ctx_clear(c, rec);
        return RD_SKIP;
    }
    *off = ls + (c->rec_off < le - ls ? c->rec_off : 0);
    if (rs == RD_REC) c->mux_recs[best]++;
    return rs;
}

/* ---- the reading loop ---------------------------------------------- */

/* The lane's bytes: its buffer, or its source's map. */
static inline const char *lane_bytes(const in_lane_t *L) { return L->view ? L->view : L->buf; }

/* Bytes ahead of a mapped lane's position whose cache lines it asks for
 * before each step: a mapped file's pages are 4 KiB apart in memory,
 * where the CPU's own prefetcher stops (the records the reader parses,
 * `count by src_ip, src_port, dest_ip` over 1M rows: 4% less CPU time;
 * the prefilter's scan asks for its own, scan.c). */
#define LANE_AHEAD 2048

/* Ask for the mapped bytes up to LANE_AHEAD past the lane's position not
 * yet asked for (only hints: the bytes are not read). */
static inline void ahead(in_lane_t *L) {
    if (!L->view) return;
    uint64_t at = L->off0 + L->beg, want = at + LANE_AHEAD, lim = L->off0 + L->end;
    if (want > lim) want = lim;
    if (L->ahead < at) L->ahead = at & ~(uint64_t)63;
    for (; L->ahead < want; L->ahead += 64) __builtin_prefetch(L->view + (L->ahead - L->off0));
}

/* One step at buf[beg..end): a run of lines the prefilter drops, then
 * one reader step (a record, a rejection, a skipped unit, or a request
 * for more bytes). Consumed bytes leave the buffer and advance L->line. */
static rd_status_t step(in_lane_t *L) {
    in_run_t *r = L->r;
    const rd_impl_t *fmt = L->fmt;
    rd_ctx_t *c = &L->ctx;
    ahead(L);
    const char *p = lane_bytes(L) + L->beg;
    size_t n = L->end - L->beg, used = 0, hint = 0;
    uint64_t out0 = L->st.pf_tally.out_of_range;
    uint64_t k = r->par.pf ? prefiltered(r->par.pf, fmt, c->st, &L->pc, p, n, &used, &hint, &L->st.pf_tally) : 0;
    if (k) {
        uint64_t out = L->st.pf_tally.out_of_range - out0; /* (outside --from/--to: counted apart) */
        L->st.records += k;
        L->st.prefiltered += k - out;
        L->st.out_of_range += out;
        L->line += k;
        L->beg += used;
        p += used;
        n -= used;
        used = 0;
    }
    ctx_clear(c, &L->rec);
    c->call.at = (r->fileno << 44 | (L->off0 + L->beg)) + 1;
    c->call.hint_p = p; /* the line the prefilter stopped at: its end is known */
    c->call.hint_len = hint;
    rd_status_t rs = fmt->next(c, p, n, L->eof, &used, &L->rec);
    if (used > n) used = n;
    size_t off = c->rec_off < used ? c->rec_off : used;
    /* A line of another source in a syslog file (not when the user forced
     * one reader with --input-format). */
    if (rs == RD_SKIP && fmt->mux && !r->force) rs = mux_line(fmt, c, &L->rec, p, used, &off);
    uint64_t at;
    if (fmt->binary) { /* no lines: the reader numbers its records */
        at = c->pos;
    } else if (c->call.ln_p == p && c->call.ln_used == used && c->call.ln_off == off) { /* framed by rd_line_next */
        at = L->line + c->call.ln_pre;
        L->line = at + c->call.ln_nl;
    } else {
        at = L->line + rd_count_nl(p, off);
        L->line = at + rd_count_nl(p + off, used - off);
    }
    if (rs == RD_REC && used - off > IN_MAXREC) { /* ended within the last read */
        rs = RD_REJECT;
        c->reason = RD_R_LONG;
    }
    if ((rs == RD_REC || rs == RD_REJECT) && L->view && in_map_cut(L->src->map) && in_src_cut(L->src)) { /* zeros, maybe: not handed on */
        L->beg += used;
        L->err = EIO;
        L->eof = true;
        if (L->arena.total) arena_reset(&L->arena);
        return RD_END;
    }
    if (rs == RD_REC) {
        complete(c, &L->rec, r->o, L->name, at, r->fileno << 44 | (L->off0 + L->beg + off));
        L->st.records++;
        int rc = r->par.cb(&L->rec, r->par.uds[L->idx]);
        if (rc) L->stop = rc;
    } else if (rs == RD_REJECT) {
        report(L, at, c->reason);
    } else if (rs == RD_SKIP) {
        L->st.skipped++;
    }
    L->beg += used;
    if (L->arena.total) arena_reset(&L->arena);
    return rs;
}

/* After a too-long record: drop through the next '\n' (or everything).
 * Returns RD_SKIP when the lane can go on reading records, RD_MORE when
 * more bytes must be dropped. */
static rd_status_t drop(in_lane_t *L) {
    const char *p = lane_bytes(L) + L->beg;
    size_t n = L->end - L->beg;
    const char *nl = L->discard == 1 ? memchr(p, '\n', n) : NULL;
    size_t used = nl ? (size_t)(nl - p) + 1 : n;
    L->line += rd_count_nl(p, used);
    L->beg += used;
    if (!nl) return RD_MORE;
    L->discard = 0;
    return RD_SKIP;
}

/* See input_int.h. */
void in_lane_cut(in_lane_t *L) {
    const char *b = lane_bytes(L);
    size_t e = L->end;
    while (e > L->beg && b[e - 1] != '\n') e--;
    L->end = e;
}

/* Bytes the source gave the lane (k, as in_src_read returns): appended to
 * buf[beg..end), or the end; on a read error the unfinished line before it
 * is dropped when the reader's records are lines. */
static void got(in_lane_t *L, long k) {
    if (k < 0) {
        L->err = L->src->errnum ? L->src->errnum : EIO;
        if (L->fmt->line_sync) in_lane_cut(L);
        L->eof = true;
    } else if (k == 0) {
        L->eof = true;
    } else {
        L->end += (size_t)k;
        L->st.bytes += (uint64_t)k;
    }
}

/* A mapped source's next window (in_src_window): the lane's offsets
 * follow its map when it is mapped again. */
static long fill_view(in_lane_t *L) {
    /* windows cut as read(2) into the buffer would cut them (fill below),
     * so that a record too long is dropped at the same byte */
    size_t have = L->end - L->beg;
    if (have >= L->mcap) L->mcap *= 2;
    size_t room = L->mcap - have < IN_MAPWIN ? L->mcap - have : IN_MAPWIN;
    uint64_t b = L->off0 + L->beg, e = L->off0 + L->end;
    long k = in_src_window(L->src, b, e, room);
    if (L->src->map->p != L->view) in_lane_map(L);
    return k;
}

/* More bytes from the source after buf[beg..end), the unfinished record
 * moved to the buffer's start first (a mapped source: the next window of
 * its map). A record longer than IN_MAXREC is rejected and dropped. Sets
 * L->eof at the end, or on a read error (which in_input or in_lanes_file
 * says). */
static void fill(in_lane_t *L) {
    if (!L->discard && L->end - L->beg > IN_MAXREC) {
        report(L, L->line, RD_R_LONG);
        L->discard = L->fmt->line_sync ? 1 : 2;
        L->line += rd_count_nl(lane_bytes(L) + L->beg, L->end - L->beg);
        L->beg = L->end;
    }
    if (L->view) {
        got(L, fill_view(L));
        return;
    }
    if (L->beg) {
        memmove(L->buf, L->buf + L->beg, L->end - L->beg);
        L->off0 += L->beg;
        L->end -= L->beg;
        L->beg = 0;
    }
    if (L->end == L->cap) {
        L->cap *= 2;
        L->buf = xrealloc(L->buf, L->cap);
    }
    size_t room = L->cap - L->end;
    if (room > IN_BLOCK) room = IN_BLOCK;
    got(L, in_src_read(L->src, L->buf + L->end, room));
}

/* See input_int.h. */
void in_lane_map(in_lane_t *L) {
    const in_map_t *m = L->src->map;
    uint64_t b = L->off0 + L->beg, e = L->off0 + L->end;
    if (!L->view) L->mcap = L->cap;
    L->view = m->p;
    L->off0 = m->off;
    L->beg = (size_t)(b - m->off);
    L->end = (size_t)(e - m->off);
}

/* See input_int.h. */
void in_lane_read(in_lane_t *L) {
    while (!L->stop) {
        rd_status_t st = L->discard ? drop(L) : step(L);
        if (st == RD_END || (st == RD_MORE && L->eof)) break;
        if (st == RD_MORE) fill(L);
    }
}
