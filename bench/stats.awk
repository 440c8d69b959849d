# stats.awk — functions the bench reports share (bench/run.sh, bench/shapes.sh):
#
#   awk -f bench/stats.awk -f PROGRAM.awk ...

# The median of a space-separated list of numbers (-1 for an empty list).
function median(list,   a, n, i, j, x) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { x = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
    if (n == 0) return -1
    return n % 2 ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
}

# A row count as a label: 1000000 -> 1M, 200000 -> 200k.
function rows_label(r) {
    if (r >= 1000000 && r % 1000000 == 0) return (r / 1000000) "M"
    if (r >= 1000 && r % 1000 == 0) return (r / 1000) "k"
    return r
}
