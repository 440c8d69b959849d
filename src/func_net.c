/* func_net.c — the network functions: IP tests and conversions, CIDR.
 *
 * Scalar functions of FUNC_TABLE (ast.h), reached through func.h:
 * isValidIPv4/IPv6, isReservedIP, ipv4ToNumber, getCIDRPrefix and
 * maskFromCIDR. Addresses are read by eval.c's fn_ipv4/fn_ipv6 (dotted
 * quads without leading zeros, inet_pton's IPv6), like isValidIP.
 */
#include <math.h>
#include <stdio.h>

#include "func.h"

/* The text of v as an IPv4 address; false for null and other text. */
static bool v4_arg(eval_ctx_t *c, value_t v, uint32_t *a) { return v.t != V_NULL && fn_ipv4(fn_text(c, v), a); }

/* See func.h (FUNC_TABLE). */
value_t f_isvalidipv4(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    uint32_t a;
    return val_bool(v4_arg(c, av[0], &a));
}

/* See func.h (FUNC_TABLE). */
value_t f_isvalidipv6(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    return val_bool(av[0].t != V_NULL && fn_ipv6(fn_text(c, av[0])));
}

/* Special-use IPv4 blocks of RFC 5735, section 4. */
static bool v4_reserved(uint32_t a) {
    static const struct {
        uint32_t net; /* network address, host order */
        int bits;     /* prefix length */
    } blocks[] = {
        {0x00000000, 8},  {0x0A000000, 8},  {0x7F000000, 8},  {0xA9FE0000, 16}, {0xAC100000, 12},
        {0xC0000000, 24}, {0xC0000200, 24}, {0xC0586300, 24}, {0xC0A80000, 16}, {0xC6120000, 15},
        {0xC6336400, 24}, {0xCB007100, 24}, {0xE0000000, 4},  {0xF0000000, 4},
    };
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        if ((a & ~0u << (32 - blocks[i].bits)) == blocks[i].net) return true;
    return false;
}

/* isReservedIP(ip): true for an address RFC 5735 reserves; "Invalid IPv4
 * addresses are dropped from the results" (its page), as isPrivateIP. */
/* See func.h (FUNC_TABLE). */
value_t f_isreservedip(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)r;
    return fn_ipv4_class(c, e, av[0], v4_reserved);
}

/* ipv4ToNumber(ip): the address as a number (10.0.0.1 is 167772161);
 * null when it is no IPv4 address. */
/* See func.h (FUNC_TABLE). */
value_t f_ipv4tonumber(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    uint32_t a;
    return v4_arg(c, av[0], &a) ? val_num((double)a) : val_null();
}

/* A prefix length: a whole number from 0 to 32, "an integer value in
 * string/text format" or a number. */
static bool prefix_len(value_t v, int *bits) {
    double x;
    if (v.t == V_BOOL || !val_to_num(v, &x) || !(x >= 0 && x <= 32) || x != floor(x)) return false;
    *bits = (int)x;
    return true;
}

static uint32_t mask_of(int bits) { return bits == 0 ? 0 : ~0u << (32 - bits); }

/* Dotted-quad text of a in the arena. */
static value_t dotted(eval_ctx_t *c, uint32_t a) {
    char tmp[16];
    int n = snprintf(tmp, sizeof tmp, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
    return fn_str(c, tmp, (size_t)n);
}

/* getCIDRPrefix(ip, bits): the network address of ip under a prefix of
 * bits ("10.10.1.35", "27" gives 10.10.1.32); null for a bad address or
 * length. */
/* See func.h (FUNC_TABLE). */
value_t f_getcidrprefix(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    uint32_t a;
    int bits;
    if (!v4_arg(c, av[0], &a) || !prefix_len(av[1], &bits)) return val_null();
    return dotted(c, a & mask_of(bits));
}

/* maskFromCIDR(bits): the subnet mask ("24" gives 255.255.255.0). */
/* See func.h (FUNC_TABLE). */
value_t f_maskfromcidr(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    int bits;
    return prefix_len(av[0], &bits) ? dotted(c, mask_of(bits)) : val_null();
}

/* See func.h: a literal prefix length must be a whole number 0 to 32. */
bool fnet_prepare(expr_t *e, diag_t *d) {
    int i;
    if (e->func == FN_GETCIDRPREFIX && e->nargs == 2) i = 1;
    else if (e->func == FN_MASKFROMCIDR && e->nargs == 1) i = 0;
    else return true;
    const expr_t *a = e->args[i];
    double v;
    bool lit = a->kind == EX_NUM || a->kind == EX_STR || a->kind == EX_BOOL || (a->kind == EX_NEG && a->a->kind == EX_NUM);
    if (!lit || (fn_lit_num(a, &v) && v >= 0 && v <= 32 && v == floor(v))) return true;
    uint32_t k = diag_add(d, D_ERROR, a->sp, NULL, "%s(): the prefix length must be a whole number from 0 to 32",
                          func_info[e->func].name);
    diag_hint(d, k, "for a /24 network: %s", e->func == FN_MASKFROMCIDR ? "maskFromCIDR(\"24\")" : "getCIDRPrefix(ip, \"24\")");
    return false;
}
