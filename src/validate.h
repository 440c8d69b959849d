/* validate.h — `postern validate`: the detection page's three tests.
 *
 * validate.c owns the command, the replayed records of test 1 (embedded
 * from rules/validation/ by tools/embed_data.sh) and the local POP3 and
 * IMAP responders of tests 2 and 3. Nothing here outlives the command.
 */
#ifndef POSTERN_VALIDATE_H
#define POSTERN_VALIDATE_H

/* Exit statuses of `postern validate`. */
enum {
    VALIDATE_PASS = 0,    /* every test that ran passed and none was skipped */
    VALIDATE_FAIL = 1,    /* at least one test failed */
    VALIDATE_USAGE = 2,   /* usage error, or the rules do not load */
    VALIDATE_SKIPPED = 3, /* nothing failed, but a test could not run here (not root, no eBPF, no nc/curl) */
};

/* Run `postern validate ARGS`; returns one of the statuses above. */
int cmd_validate(int argc, char **argv);

#endif
