/* schema.h — postern's normalised field names and the aliases that
 * resolve to them.
 *
 * SCHEMA_FIELDS lists each schema field once with its meaning; readers,
 * `postern formats` and docs/schema.md follow it. SCHEMA_ALIASES maps
 * Cloud SIEM names (dstPort, baseImage, …) to schema fields, in queries
 * (schema_query_name, called where the parser interns a field it reads)
 * and in records (rd_lookup). The tables are static; normalised values
 * are views into the caller's bytes or static strings: nothing allocates.
 */
#ifndef POSTERN_SCHEMA_H
#define POSTERN_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "field.h"
#include "str.h"

/* The schema. ORDER SCHEMA: enum sc_field. */
#define SCHEMA_FIELDS(X)                                                                                   \
    X(SC_MESSAGETIME, "_messageTime", "event time, epoch milliseconds UTC (a number)")                       \
    X(SC_SOURCECATEGORY, "_sourceCategory",                                                                 \
      "the record's own, else --category, else the reader's default naming the source")                    \
    X(SC_SOURCEHOST, "_sourceHost", "host that wrote the log: syslog header host, else the event's host")   \
    X(SC_RAW, "_raw", "the record's text as read")                                                         \
    X(SC_SRC_IP, "src_ip", "address that opened the connection (IPv4-mapped IPv6 written as IPv4)")       \
    X(SC_SRC_PORT, "src_port", "its port, decimal text")                                                   \
    X(SC_DEST_IP, "dest_ip", "address that accepted the connection (IPv4-mapped IPv6 written as IPv4)")   \
    X(SC_DEST_PORT, "dest_port", "its port, decimal text (\"587\", whether logged as number or string)")   \
    X(SC_PROTOCOL, "protocol", "transport, lower case: tcp, udp, icmp, … (IANA numbers translated)")       \
    X(SC_DIRECTION, "direction",                                                                           \
      "who opened it: outbound, inbound, internal or external (docs/schema.md §1.1); absent when not logged")  \
    X(SC_PROCESS_NAME, "process_name", "full image path of the process, as logged")                       \
    X(SC_PID, "pid", "process id, decimal text")                                                           \
    X(SC_USER, "user", "account of the process or session, as logged (DOMAIN\\name, login or SID)")        \
    X(SC_HOST, "host", "host the event is about (Computer, hostname)")                                     \
    X(SC_BYTES_OUT, "bytes_out", "payload bytes sent by the side that opened the connection")              \
    X(SC_BYTES_IN, "bytes_in", "payload bytes sent back to it")                                            \
    X(SC_ACTION, "action", "what the sensor did or saw, in its own words: pass, Deny, Built, SF, REJ, …")   \
    X(SC_EVENT_ID, "event_id", "the source's event number (Sysmon 3, Security 5156, …)")                 \
    X(SC_OUTCOME, "outcome",                                                                               \
      "what became of the connection: blocked, failed, empty, data or allowed (docs/schema.md §1.2)")       \
    X(SC_CONN_ID, "conn_id", "the log's own id of the connection, shared by all its records (Zeek uid, …)")

enum sc_field {
#define X(id, name, desc) id,
    SCHEMA_FIELDS(X)
#undef X
    SC_N
};

/* Cloud SIEM record names that resolve to schema fields. */
#define SCHEMA_ALIASES(X)                      \
    X("srcDevice_ip", SC_SRC_IP)               \
    X("srcPort", SC_SRC_PORT)                  \
    X("dstDevice_ip", SC_DEST_IP)              \
    X("dstPort", SC_DEST_PORT)                 \
    X("ipProtocol", SC_PROTOCOL)               \
    X("baseImage", SC_PROCESS_NAME)            \
    X("user_username", SC_USER)                \
    X("device_hostname", SC_HOST)              \
    X("bytesOut", SC_BYTES_OUT)                \
    X("bytesIn", SC_BYTES_IN)                  \
    X("metadata_deviceEventId", SC_EVENT_ID)

/* Schema field ids of one query's field table: FIELD_NONE where the query
 * does not read the field (so a reader skips it). */
typedef struct sc_ids {
    uint32_t id[SC_N];
} sc_ids_t;

/* Name of schema field f (SC_*), NULL past the end. */
const char *schema_name(unsigned f);
/* Meaning of schema field f, NULL past the end. */
const char *schema_desc(unsigned f);
/* The schema field an alias names (ASCII case ignored), or -1. */
int schema_alias(pstr_t name);
/* Alias name k (0-based) and through *f its field; NULL past the end. */
const char *schema_alias_at(unsigned k, unsigned *f);

/* The name the parser should intern for a field the query reads: the
 * schema name for an alias, unless the query already created a field
 * spelled that way (`… as dstPort`), which then keeps its own name. */
pstr_t schema_query_name(const ftab_t *ft, pstr_t name);

/* Fill ids for ft: every schema field the query reads (all of them, and
 * interned, under ft->want_all). Takes ft's lock. */
void schema_ids(ftab_t *ft, sc_ids_t *ids);

/* Set schema field f of rec when the query reads it. */
static inline void sc_set(record_t *rec, const sc_ids_t *ids, unsigned f, value_t v) {
    if (ids->id[f] != FIELD_NONE) rec_set(rec, ids->id[f], v);
}
/* sc_set unless rec already holds a value there (first source wins). */
static inline void sc_fill(record_t *rec, const sc_ids_t *ids, unsigned f, value_t v) {
    if (ids->id[f] != FIELD_NONE && rec_get(rec, ids->id[f]).t == V_NULL) rec_set(rec, ids->id[f], v);
}

/* ---- value normalisers: views into v or static strings ---------------- */

/* Protocol: IANA numbers (6, 17, 1, 58, …) and names in any case to the
 * lower-case name; other text unchanged. */
pstr_t schema_protocol(pstr_t v);
/* Direction: true/false (Sysmon Initiated), %%14593/%%14592 (WFP),
 * egress/ingress (ECS), outbound/inbound/internal/external in any case,
 * lateral (OCSF) as internal; empty view when the value says none of them. */
pstr_t schema_direction(pstr_t v);
/* Direction from where the two ends are: whether the side that opened
 * the connection and the side that accepted it are local (inside the
 * host or network that logged it): 1 yes, 0 no, -1 not known. outbound,
 * inbound, internal, external; empty view when either is not known. */
pstr_t schema_direction_of(int opener_local, int responder_local);
/* Whether a zone or interface named v is inside (1: trust, inside,
 * internal, lan, dmz) or outside (0: untrust, outside, external, wan,
 * internet) the network a firewall guards, ASCII case ignored; -1 for
 * any other name. */
int schema_zone_inside(pstr_t v);
/* Outcome of a device's verdict word (any case): deny, drop, block,
 * reject, reset-client, … as blocked; allow, accept, permit, pass,
 * succeeded, … as allowed; fail, failed, failure as failed; the outcome
 * names themselves as they are; empty view for any other word. */
pstr_t schema_outcome(pstr_t v);
/* Port or count: surrounding blanks dropped, "587.0" and "0587" read as
 * "587"; other text unchanged. */
pstr_t schema_number(pstr_t v);
/* Address: blanks, [brackets] and an IPv4-mapped ::ffff: prefix dropped;
 * other text unchanged. */
pstr_t schema_ip(pstr_t v);

#endif
