/* winevt.h — a Windows event (or Sysmon for Linux) to one schema record:
 * the mapper the XML, evtx-JSON and Winlogbeat readers share, and the one
 * any other reader of Windows events (a native .evtx reader) feeds.
 *
 * A reader decodes one event into a list of name/value views (System
 * elements and attributes, EventData items) and calls we_emit; it sets
 * the native fields the query reads, tells Sysmon (by provider or
 * channel, never by EventID alone), Security 5156/5157 and PowerShell
 * 4104 apart, fills the schema fields, the default _sourceCategory and
 * _messageTime, and adds Sysmon EID 1 details to later EID 3 records of
 * the same process. The views borrow the reader's bytes; we_state_t (one
 * per input, heap) owns the enrichment cache.
 *
 * How a reader uses it: we_open in its open(), we_close in its close();
 * per event, a we_field_t per value (System values under the XML
 * rendering's names, `EventID`, `Provider.Name`, `TimeCreated.SystemTime`,
 * `Execution.ProcessID`, `Computer`, …, with sect WE_SYS; EventData and
 * UserData items by Name with WE_DATA; values already decoded as WE_PLAIN),
 * then we_emit into the record next() fills, and return RD_REC.
 */
#ifndef POSTERN_WINEVT_H
#define POSTERN_WINEVT_H

#include <stdbool.h>
#include <stdint.h>

#include "reader.h"
#include "schema.h"

/* How a value's bytes are written. */
enum we_enc {
    WE_PLAIN,  /* as is */
    WE_XML,    /* XML text: &lt; &amp; &#NN; … decoded when read */
    WE_JSON    /* a JSON value view (strings with their quotes) */
};

/* Where a value sits in the event. */
enum we_sect {
    WE_SYS,    /* System: element text `EventID`, attribute `Provider.Name` */
    WE_DATA,   /* EventData / UserData item, by its Name */
    WE_OTHER   /* anything else the reader keeps (RenderingInfo Message, …) */
};

/* One value of an event. */
typedef struct we_field {
    pstr_t name;       /* field name (views into the event or static) */
    pstr_t val;        /* raw value bytes, encoded as enc says */
    uint8_t enc;       /* enum we_enc */
    uint8_t sect;      /* enum we_sect */
    bool native;       /* also set as a field under name (false: only read for the mapping) */
} we_field_t;

/* What the reader knows besides the event's own values. */
typedef struct we_ext {
    pstr_t host;       /* the syslog header's host: _sourceHost (empty: none) */
    bool has_time;     /* time_ms: the syslog header's time, used when the event has none */
    int64_t time_ms;
    unsigned pos0;     /* rd_lookup key-cache position of f[0] (after the reader's own lookups) */
} we_ext_t;

/* An event's values, in document order (the array on the heap, owned by
 * the reader that holds the list; the views it holds are the reader's). */
typedef struct we_list {
    we_field_t *f;     /* the values */
    size_t n, cap;     /* used / allocated */
} we_list_t;

/* Values kept per event: the rest are dropped. */
#define WE_MAXFIELDS 1024

/* Room for one more value at the end of l (zeroed), NULL when l holds
 * WE_MAXFIELDS already. */
we_field_t *we_add(we_list_t *l);
/* Free l's array (l itself is the caller's). */
void we_list_free(we_list_t *l);

/* "E.A" in arena a: the name of attribute A of System element E
 * (`TimeCreated.SystemTime`). */
pstr_t we_dotted(arena_t *a, pstr_t e, pstr_t at);

/* List the values of Windows Event XML s[0..n) into l (emptied first),
 * the views into s or c->arena: System elements by name and their
 * attributes as `Element.Attribute` (WE_SYS), EventData items by Name and
 * UserData leaves by element name (WE_DATA), RenderingInfo's Message
 * (WE_OTHER), all native and XML-escaped (WE_XML) unless CDATA. s is a
 * whole event (`<Event>…</Event>`), or with section one section element
 * alone (`<EventData>…</EventData>`, as Azure Log Analytics stores an
 * event's data). False when s is not well formed enough to read. */
bool we_xml_scan(rd_ctx_t *c, we_list_t *l, const char *s, size_t n, bool section);

/* Per-input state (opaque). */
typedef struct we_state we_state_t;

/* Start an input: resolves the schema and enrichment ids of c->ft. */
we_state_t *we_open(rd_ctx_t *c);
/* Free the state (NULL is fine). */
void we_close(we_state_t *w);
/* The schema ids resolved by we_open. */
const sc_ids_t *we_ids(const we_state_t *w);

/* The value of f: XML entities or JSON escapes decoded into c->arena
 * when present; JSON null is V_NULL. */
value_t we_value(rd_ctx_t *c, const we_field_t *f);

/* Map one event (fields f[0..n), in document order) into rec: native
 * fields, schema fields, _messageTime, default category, enrichment. f
 * and its views are the caller's (valid for the call); ext may give the
 * syslog header's host and time and the key-cache position of f[0]. */
void we_emit(we_state_t *w, rd_ctx_t *c, const we_field_t *f, size_t n, const we_ext_t *ext, record_t *rec);

/* NT device path to a drive path where the mapping is certain:
 * `\??\C:\x` → `C:\x`, `\device\mup\srv\share\x` → `\\srv\share\x`;
 * `\device\harddiskvolumeN\…` and anything else unchanged. The result
 * is a view into p or into a. */
pstr_t we_device_path(pstr_t p, arena_t *a);

#endif
