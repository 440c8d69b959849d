/* mmdb_write.c — writes a small MaxMind DB file for postern's tests.
 *
 * The geo and ASN lookups read MaxMind databases, which cannot be fetched
 * here; the tests describe one in a few lines of text and this tool writes
 * it, following the public MaxMind DB format (version 2.0): the binary
 * search tree, 16 zero bytes, the data section, then the metadata after
 * "\xAB\xCD\xEFMaxMind.com". Cases check what it wrote with mmdblookup
 * (Debian's mmdb-bin) before postern reads it.
 *
 * Input (stdin), one directive a line; # starts a comment:
 *   ip 4|6                 ip_version (default 6; IPv4 networks go under ::/96)
 *   record 24|28|32        record size in bits (default 24)
 *   type NAME              database_type (default postern-test)
 *   net CIDR key=value ... a network and its record: keys are dotted paths,
 *                          a number selects an array element (subdivisions.0.iso_code);
 *                          values are text, "quoted text", d:double, f:float,
 *                          u:uint32, h:uint16, q:uint64, i:int32, b:true|false
 * Usage: mmdb_write OUT.mmdb < description
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Data types of the format. */
enum { T_PTR = 1, T_STR = 2, T_DOUBLE = 3, T_U16 = 5, T_U32 = 6, T_MAP = 7, T_I32 = 8, T_U64 = 9, T_ARRAY = 11,
       T_BOOL = 14, T_FLOAT = 15 };

/* A value of a record being built: a map, an array or a scalar. */
typedef struct val {
    int type;           /* T_* */
    char *key;          /* its key in the parent map (NULL in an array) */
    char *s;            /* T_STR */
    double d;           /* T_DOUBLE, T_FLOAT */
    uint64_t u;         /* unsigned types, T_BOOL */
    int32_t i;          /* T_I32 */
    struct val **kids;  /* T_MAP, T_ARRAY: members in order */
    int nkids;
} val_t;

/* A growing byte buffer. */
typedef struct bytes {
    unsigned char *p;   /* contents */
    size_t n, cap;      /* used, allocated */
} bytes_t;

/* One node of the search tree: each side is a node, empty or data. */
typedef struct node {
    int kind[2];        /* 0 empty, 1 node, 2 data */
    uint32_t v[2];      /* node index or data offset */
} node_t;

static node_t *nodes;
static uint32_t nnodes, nodecap;

static void die(const char *msg, const char *arg) {
    fprintf(stderr, "mmdb_write: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(2);
}

static void *xalloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) die("out of memory", NULL);
    return p;
}

static void put(bytes_t *b, const void *p, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = xalloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void put1(bytes_t *b, unsigned c) {
    unsigned char x = (unsigned char)c;
    put(b, &x, 1);
}

/* A field's control byte(s) and size: type, then size as the format packs it. */
static void control(bytes_t *b, int type, size_t size) {
    unsigned sz = size < 29 ? (unsigned)size : size < 29 + 256 ? 29 : size < 285 + 65536 ? 30 : 31;
    put1(b, (unsigned)((type <= 7 ? type : 0) << 5) | sz);
    if (type > 7) put1(b, (unsigned)(type - 7));
    if (sz < 29) return;
    size_t extra = sz == 29 ? size - 29 : sz == 30 ? size - 285 : size - 65821;
    for (int k = (int)sz - 29; k >= 0; k--) put1(b, (unsigned)(extra >> (8 * k)) & 0xff);
}

/* An unsigned integer in as few big-endian bytes as it needs. */
static void put_uint(bytes_t *b, int type, uint64_t u) {
    size_t n = 0;
    for (uint64_t x = u; x; x >>= 8) n++;
    control(b, type, n);
    for (size_t k = n; k-- > 0;) put1(b, (unsigned)(u >> (8 * k)) & 0xff);
}

static void put_str(bytes_t *b, const char *s) {
    control(b, T_STR, strlen(s));
    put(b, s, strlen(s));
}

/* Serialize v (and its members) at the end of b. */
static void encode(bytes_t *b, const val_t *v) {
    switch (v->type) {
    case T_STR: put_str(b, v->s); break;
    case T_DOUBLE: {
        uint64_t bits;
        memcpy(&bits, &v->d, 8);
        control(b, T_DOUBLE, 8);
        for (int k = 7; k >= 0; k--) put1(b, (unsigned)(bits >> (8 * k)) & 0xff);
        break;
    }
    case T_FLOAT: {
        float f = (float)v->d;
        uint32_t bits;
        memcpy(&bits, &f, 4);
        control(b, T_FLOAT, 4);
        for (int k = 3; k >= 0; k--) put1(b, (bits >> (8 * k)) & 0xff);
        break;
    }
    case T_U16: case T_U32: case T_U64: put_uint(b, v->type, v->u); break;
    case T_I32: {
        uint32_t x = (uint32_t)v->i;
        control(b, T_I32, 4);
        for (int k = 3; k >= 0; k--) put1(b, (x >> (8 * k)) & 0xff);
        break;
    }
    case T_BOOL: control(b, T_BOOL, v->u ? 1 : 0); break;
    case T_MAP:
        control(b, T_MAP, (size_t)v->nkids);
        for (int k = 0; k < v->nkids; k++) {
            put_str(b, v->kids[k]->key);
            encode(b, v->kids[k]);
        }
        break;
    case T_ARRAY:
        control(b, T_ARRAY, (size_t)v->nkids);
        for (int k = 0; k < v->nkids; k++) encode(b, v->kids[k]);
        break;
    default: die("bad value type", NULL);
    }
}

static val_t *new_val(int type, const char *key) {
    val_t *v = xalloc(NULL, sizeof *v);
    memset(v, 0, sizeof *v);
    v->type = type;
    v->key = key ? strdup(key) : NULL;
    return v;
}

static void add_kid(val_t *parent, val_t *kid) {
    parent->kids = xalloc(parent->kids, (size_t)(parent->nkids + 1) * sizeof *parent->kids);
    parent->kids[parent->nkids++] = kid;
}

static void free_val(val_t *v) {
    for (int k = 0; k < v->nkids; k++) free_val(v->kids[k]);
    free(v->kids);
    free(v->key);
    free(v->s);
    free(v);
}

static int is_index(const char *c) { return c[0] >= '0' && c[0] <= '9'; }

/* The member of container v named by path component c, made when missing
 * as a map or an array (by what the next component is) or a leaf. */
static val_t *member(val_t *v, const char *c, int next_is_index, int leaf) {
    int type = leaf ? 0 : next_is_index ? T_ARRAY : T_MAP;
    if (v->type == T_ARRAY) {
        int idx = atoi(c);
        if (idx > v->nkids) die("array elements must be given in order", c);
        if (idx < v->nkids) return v->kids[idx];
        val_t *k = new_val(type, NULL);
        add_kid(v, k);
        return k;
    }
    for (int k = 0; k < v->nkids; k++)
        if (strcmp(v->kids[k]->key, c) == 0) return v->kids[k];
    val_t *k = new_val(type, c);
    add_kid(v, k);
    return k;
}

/* Set the leaf at dotted path to the typed text value. */
static void set_path(val_t *root, char *path, const char *value) {
    char *comps[16];
    int n = 0;
    for (char *c = strtok(path, "."); c && n < 16; c = strtok(NULL, ".")) comps[n++] = c;
    if (n == 0) die("empty key", NULL);
    val_t *v = root;
    for (int k = 0; k < n; k++) {
        if (v->type != T_MAP && v->type != T_ARRAY) die("a key goes inside a value", path);
        v = member(v, comps[k], k + 1 < n && is_index(comps[k + 1]), k + 1 == n);
    }
    if (value[0] && value[1] == ':' && strchr("dfuhqib", value[0])) {
        const char *x = value + 2;
        switch (value[0]) {
        case 'd': v->type = T_DOUBLE; v->d = strtod(x, NULL); break;
        case 'f': v->type = T_FLOAT; v->d = strtod(x, NULL); break;
        case 'u': v->type = T_U32; v->u = strtoull(x, NULL, 10); break;
        case 'h': v->type = T_U16; v->u = strtoull(x, NULL, 10); break;
        case 'q': v->type = T_U64; v->u = strtoull(x, NULL, 10); break;
        case 'i': v->type = T_I32; v->i = (int32_t)strtol(x, NULL, 10); break;
        default: v->type = T_BOOL; v->u = strcmp(x, "true") == 0; break;
        }
        return;
    }
    v->type = T_STR;
    v->s = strdup(value);
}

/* Insert a network (addr: 16 bytes, len bits) whose data is at offset. */
static void insert(const unsigned char *addr, int len, uint32_t offset, const char *text) {
    uint32_t cur = 0;
    for (int bit = 0; bit < len; bit++) {
        int side = (addr[bit / 8] >> (7 - bit % 8)) & 1;
        if (bit + 1 == len) {
            if (nodes[cur].kind[side] != 0) die("networks overlap", text);
            nodes[cur].kind[side] = 2;
            nodes[cur].v[side] = offset;
            return;
        }
        if (nodes[cur].kind[side] == 2) die("networks overlap", text);
        if (nodes[cur].kind[side] == 0) {
            if (nnodes == nodecap) {
                nodecap = nodecap ? nodecap * 2 : 64;
                nodes = xalloc(nodes, nodecap * sizeof *nodes);
            }
            memset(&nodes[nnodes], 0, sizeof *nodes);
            nodes[cur].kind[side] = 1;
            nodes[cur].v[side] = nnodes++;
        }
        cur = nodes[cur].v[side];
    }
}

/* A record value as the tree stores it. */
static uint32_t record_value(const node_t *nd, int side) {
    switch (nd->kind[side]) {
    case 1: return nd->v[side];
    case 2: return nnodes + 16 + nd->v[side];
    default: return nnodes;
    }
}

/* Append one node of record size bits to b. */
static void put_node(bytes_t *b, const node_t *nd, int bits) {
    uint32_t l = record_value(nd, 0), r = record_value(nd, 1);
    if (bits == 24) {
        unsigned char x[6] = {l >> 16, l >> 8, l, r >> 16, r >> 8, r};
        put(b, x, 6);
    } else if (bits == 28) {
        unsigned char x[7] = {l >> 16, l >> 8, l, (unsigned char)(((l >> 24) & 0x0f) << 4 | ((r >> 24) & 0x0f)),
                              r >> 16, r >> 8, r};
        put(b, x, 7);
    } else {
        unsigned char x[8] = {l >> 24, l >> 16, l >> 8, l, r >> 24, r >> 16, r >> 8, r};
        put(b, x, 8);
    }
}

/* Split "key=value" words of a net line (quotes keep blanks). Returns the
 * next word, NUL-terminated in place, or NULL. */
static char *next_word(char **s) {
    char *p = *s;
    while (*p == ' ' || *p == '\t') p++;
    if (!*p || *p == '\n') return NULL;
    char *w = p, *o = p;
    int quoted = 0;
    for (; *p && *p != '\n' && (quoted || (*p != ' ' && *p != '\t')); p++) {
        if (*p == '"') quoted = !quoted;
        else *o++ = *p;
    }
    if (*p) p++;
    *o = 0;
    *s = p;
    return w;
}

int main(int argc, char **argv) {
    if (argc != 2) die("usage: mmdb_write OUT.mmdb < description", NULL);
    int ipv = 6, bits = 24;
    char type[128] = "postern-test";
    bytes_t data = {0};
    char line[8192];
    if (nodecap == 0) {
        nodecap = 64;
        nodes = xalloc(NULL, nodecap * sizeof *nodes);
        memset(&nodes[0], 0, sizeof *nodes);
        nnodes = 1;
    }
    while (fgets(line, sizeof line, stdin)) {
        char *s = line, *w = next_word(&s);
        if (!w || w[0] == '#') continue;
        if (strcmp(w, "ip") == 0) {
            w = next_word(&s);
            ipv = w ? atoi(w) : 0;
            if (ipv != 4 && ipv != 6) die("ip is 4 or 6", w);
        } else if (strcmp(w, "record") == 0) {
            w = next_word(&s);
            bits = w ? atoi(w) : 0;
            if (bits != 24 && bits != 28 && bits != 32) die("record is 24, 28 or 32", w);
        } else if (strcmp(w, "type") == 0) {
            w = next_word(&s);
            if (!w) die("type needs a name", NULL);
            snprintf(type, sizeof type, "%s", w);
        } else if (strcmp(w, "net") == 0) {
            char *cidr = next_word(&s);
            char *slash = cidr ? strchr(cidr, '/') : NULL;
            if (!slash) die("net needs ADDRESS/LENGTH", cidr);
            *slash = 0;
            int len = atoi(slash + 1);
            unsigned char addr[16] = {0};
            if (inet_pton(AF_INET, cidr, addr + 12) == 1) {
                if (len < 1 || len > 32) die("bad IPv4 prefix length", slash + 1);
                if (ipv == 4) {
                    memmove(addr, addr + 12, 4);
                    memset(addr + 4, 0, 12);
                } else {
                    len += 96;
                }
            } else if (inet_pton(AF_INET6, cidr, addr) == 1) {
                if (ipv == 4) die("an IPv6 network in an IPv4 database", cidr);
                if (len < 1 || len > 128) die("bad IPv6 prefix length", slash + 1);
            } else {
                die("not an address", cidr);
            }
            val_t *rec = new_val(T_MAP, NULL);
            for (char *kv; (kv = next_word(&s));) {
                char *eq = strchr(kv, '=');
                if (!eq) die("expected key=value", kv);
                *eq = 0;
                set_path(rec, kv, eq + 1);
            }
            uint32_t off = (uint32_t)data.n;
            encode(&data, rec);
            free_val(rec);
            insert(addr, len, off, cidr);
        } else {
            die("unknown directive", w);
        }
    }
    if (bits == 24 && nnodes + 16 + data.n >= (1u << 24)) die("too big for 24-bit records", NULL);
    bytes_t out = {0};
    for (uint32_t k = 0; k < nnodes; k++) put_node(&out, &nodes[k], bits);
    static const unsigned char zeros[16];
    put(&out, zeros, 16);
    put(&out, data.p, data.n);
    put(&out, "\xab\xcd\xefMaxMind.com", 14);
    /* The metadata map. */
    val_t *m = new_val(T_MAP, NULL);
    struct { const char *k; int t; uint64_t u; } nums[] = {
        {"node_count", T_U32, nnodes}, {"record_size", T_U16, (uint64_t)bits}, {"ip_version", T_U16, (uint64_t)ipv},
        {"binary_format_major_version", T_U16, 2}, {"binary_format_minor_version", T_U16, 0},
        {"build_epoch", T_U64, 1700000000},
    };
    for (size_t k = 0; k < sizeof nums / sizeof *nums; k++) {
        val_t *v = new_val(nums[k].t, nums[k].k);
        v->u = nums[k].u;
        add_kid(m, v);
    }
    val_t *dt = new_val(T_STR, "database_type");
    dt->s = strdup(type);
    add_kid(m, dt);
    val_t *langs = new_val(T_ARRAY, "languages"), *en = new_val(T_STR, NULL);
    en->s = strdup("en");
    add_kid(langs, en);
    add_kid(m, langs);
    val_t *desc = new_val(T_MAP, "description"), *den = new_val(T_STR, "en");
    den->s = strdup("postern test database");
    add_kid(desc, den);
    add_kid(m, desc);
    encode(&out, m);
    free_val(m);
    FILE *f = fopen(argv[1], "wb");
    if (!f || fwrite(out.p, 1, out.n, f) != out.n || fclose(f) != 0) die(strerror(errno), argv[1]);
    free(out.p);
    free(data.p);
    free(nodes);
    return 0;
}
