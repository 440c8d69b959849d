/* schema.c — the schema table, alias resolution and value normalisers.
 *
 * Sits between the parser (schema_query_name: an alias in a query names
 * its schema field), reader.c (rd_lookup: an alias key in a record fills
 * the schema field) and the readers that map native names to schema
 * fields (schema_ids, sc_set, and the normalisers below).
 */
#include "schema.h"

#include <string.h>

static const char *const sc_names[] = {
#define X(id, name, desc) name,
    SCHEMA_FIELDS(X)
#undef X
};

static const char *const sc_descs[] = {
#define X(id, name, desc) desc,
    SCHEMA_FIELDS(X)
#undef X
};

/* One alias. */
typedef struct sc_alias {
    const char *name;  /* as Cloud SIEM spells it */
    uint8_t n;         /* its length */
    uint8_t f;         /* enum sc_field */
} sc_alias_t;

static const sc_alias_t sc_aliases[] = {
#define X(name, f) {name, sizeof(name) - 1, f},
    SCHEMA_ALIASES(X)
#undef X
};
#define SC_NALIAS (sizeof sc_aliases / sizeof sc_aliases[0])

/* See schema.h. */
const char *schema_name(unsigned f) { return f < SC_N ? sc_names[f] : NULL; }

/* See schema.h. */
const char *schema_desc(unsigned f) { return f < SC_N ? sc_descs[f] : NULL; }

/* See schema.h. A length test first: most names are no alias. */
int schema_alias(pstr_t name) {
    if (name.n < 6 || name.n > 22) return -1;
    for (size_t k = 0; k < SC_NALIAS; k++)
        if (sc_aliases[k].n == name.n && pstr_ieq_c(name, sc_aliases[k].name)) return sc_aliases[k].f;
    return -1;
}

/* See schema.h. */
const char *schema_alias_at(unsigned k, unsigned *f) {
    if (k >= SC_NALIAS) return NULL;
    if (f) *f = sc_aliases[k].f;
    return sc_aliases[k].name;
}

/* See schema.h. */
pstr_t schema_query_name(const ftab_t *ft, pstr_t name) {
    int f = schema_alias(name);
    if (f < 0 || ftab_find(ft, name) != FIELD_NONE) return name;
    return pstr_c(sc_names[f]);
}

/* See schema.h. */
void schema_ids(ftab_t *ft, sc_ids_t *ids) {
    ftab_lock(ft);
    for (unsigned f = 0; f < SC_N; f++) {
        pstr_t nm = pstr_c(sc_names[f]);
        uint32_t id = ft->want_all ? ftab_intern(ft, nm) : ftab_find(ft, nm);
        if (id != FIELD_NONE && !ft->want_all && !ft->e[id].wanted) id = FIELD_NONE;
        ids->id[f] = id;
    }
    ftab_unlock(ft);
}

/* ---- normalisers ------------------------------------------------------ */

/* IANA protocol numbers and names postern translates. */
static const struct {
    const char *num;   /* the IANA number */
    uint8_t numn;      /* its length */
    const char *name;  /* the lower-case name */
    uint8_t namen;     /* its length */
} sc_protos[] = {
#define P(num, name) {num, sizeof(num) - 1, name, sizeof(name) - 1}
    P("6", "tcp"), P("17", "udp"), P("1", "icmp"), P("58", "icmpv6"), P("132", "sctp"),
    P("47", "gre"), P("50", "esp"), P("51", "ah"), P("2", "igmp"),
#undef P
};

/* See schema.h. Lengths first: a protocol is compared only with names as long. */
pstr_t schema_protocol(pstr_t v) {
    pstr_t t = pstr_trim(v);
    for (size_t k = 0; k < sizeof sc_protos / sizeof sc_protos[0]; k++)
        if ((t.n == sc_protos[k].numn && memcmp(t.p, sc_protos[k].num, t.n) == 0) ||
            (t.n == sc_protos[k].namen && pstr_ieq_c(t, sc_protos[k].name)))
            return pstr(sc_protos[k].name, sc_protos[k].namen);
    if (pstr_ieq_c(t, "ipv6-icmp")) return PSTR_LIT("icmpv6");
    return v;
}

/* The direction values, and the native words that name them (ASCII case
 * ignored). ORDER DIR: sc_dir_names. */
enum { DIR_OUT, DIR_IN, DIR_INTERNAL, DIR_EXTERNAL };
static const char *const sc_dir_names[] = {"outbound", "inbound", "internal", "external"};
static const struct {
    const char *word;  /* as logged */
    uint8_t dir;       /* DIR_* */
} sc_dir_words[] = {
    {"outbound", DIR_OUT},      {"inbound", DIR_IN},       {"internal", DIR_INTERNAL},
    {"external", DIR_EXTERNAL}, {"true", DIR_OUT},         {"false", DIR_IN},           /* Sysmon Initiated */
    {"%%14593", DIR_OUT},       {"%%14592", DIR_IN},       /* Windows Filtering Platform */
    {"egress", DIR_OUT},        {"ingress", DIR_IN},       /* ECS, seen from the host */
    {"lateral", DIR_INTERNAL},                             /* OCSF */
};

/* See schema.h. */
pstr_t schema_direction(pstr_t v) {
    pstr_t t = pstr_trim(v);
    for (size_t k = 0; k < sizeof sc_dir_words / sizeof sc_dir_words[0]; k++)
        if (pstr_ieq_c(t, sc_dir_words[k].word)) return pstr_c(sc_dir_names[sc_dir_words[k].dir]);
    return PSTR_NULL;
}

/* See schema.h. Indexed by [opener local][responder local]. */
pstr_t schema_direction_of(int opener_local, int responder_local) {
    static const uint8_t dir[2][2] = {{DIR_EXTERNAL, DIR_IN}, {DIR_OUT, DIR_INTERNAL}};
    if (opener_local < 0 || responder_local < 0) return PSTR_NULL;
    return pstr_c(sc_dir_names[dir[opener_local != 0][responder_local != 0]]);
}

/* See schema.h. The usual names of the two sides of a firewall: PAN-OS's
 * default zones, ASA's interface names, FortiGate's interface roles. */
int schema_zone_inside(pstr_t v) {
    static const struct {
        pstr_t name;
        int8_t inside;
    } zones[] = {
        {PSTR_LIT("trust"), 1},   {PSTR_LIT("inside"), 1},  {PSTR_LIT("internal"), 1}, {PSTR_LIT("lan"), 1},
        {PSTR_LIT("dmz"), 1},     {PSTR_LIT("untrust"), 0}, {PSTR_LIT("outside"), 0},  {PSTR_LIT("external"), 0},
        {PSTR_LIT("wan"), 0},     {PSTR_LIT("internet"), 0},
    };
    pstr_t t = pstr_trim(v);
    for (size_t k = 0; k < sizeof zones / sizeof zones[0]; k++) /* the length first: most names differ in it */
        if (t.n == zones[k].name.n && pstr_ieq(t, zones[k].name)) return zones[k].inside;
    return -1;
}

/* See schema.h. */
pstr_t schema_outcome(pstr_t v) {
    static const char *const blocked[] = {"blocked", "block",    "deny",         "denied",       "drop",
                                          "dropped", "drop-icmp", "reject",      "rejected",     "reset-client",
                                          "reset-server", "reset-both"};
    static const char *const allowed[] = {"allowed", "allow",    "accept",  "accepted", "permit",
                                          "permitted", "pass",   "passed",  "succeeded", "success"};
    static const char *const failed[] = {"failed", "fail", "failure"};
    static const struct {
        const char *const *words;
        size_t n;
        const char *name;
    } kinds[] = {
        {blocked, sizeof blocked / sizeof blocked[0], "blocked"},
        {allowed, sizeof allowed / sizeof allowed[0], "allowed"},
        {failed, sizeof failed / sizeof failed[0], "failed"},
    };
    pstr_t t = pstr_trim(v);
    if (pstr_ieq_c(t, "empty")) return PSTR_LIT("empty");
    if (pstr_ieq_c(t, "data")) return PSTR_LIT("data");
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (size_t j = 0; j < kinds[k].n; j++)
            if (pstr_ieq_c(t, kinds[k].words[j])) return pstr_c(kinds[k].name);
    return PSTR_NULL;
}

/* See schema.h. */
pstr_t schema_number(pstr_t v) {
    pstr_t t = pstr_trim(v);
    size_t i = 0;
    while (i < t.n && t.p[i] >= '0' && t.p[i] <= '9') i++;
    if (i == 0) return v;
    size_t e = i;
    if (i < t.n && t.p[i] == '.') { /* a whole number written with a zero fraction */
        size_t j = i + 1;
        while (j < t.n && t.p[j] == '0') j++;
        if (j != t.n) return v;
    } else if (i != t.n) {
        return v;
    }
    size_t z = 0;
    while (z + 1 < e && t.p[z] == '0') z++;
    return pstr(t.p + z, e - z);
}

/* See schema.h. */
pstr_t schema_ip(pstr_t v) {
    pstr_t t = pstr_trim(v);
    if (t.n >= 2 && t.p[0] == '[' && t.p[t.n - 1] == ']') t = pstr(t.p + 1, t.n - 2);
    static const char *const mapped[] = {"::ffff:", "0:0:0:0:0:ffff:"};
    for (size_t k = 0; k < 2; k++) {
        size_t m = strlen(mapped[k]);
        if (t.n > m && pstr_ieq_c(pstr(t.p, m), mapped[k]) && memchr(t.p + m, '.', t.n - m) &&
            !memchr(t.p + m, ':', t.n - m))
            return pstr(t.p + m, t.n - m);
    }
    return t;
}
