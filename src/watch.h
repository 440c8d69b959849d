/* watch.h — `postern watch`: the live sensor and the rules in one process.
 *
 * watch.c owns the command; records come from sensor.c and go through the
 * JSON Lines reader into stream.c. Nothing here outlives the command.
 */
#ifndef POSTERN_WATCH_H
#define POSTERN_WATCH_H

/* Run `postern watch ARGS`; returns the exit status (0 ok, 1 signals with
 * --fail-on-findings, 2 usage error or the sensor could not start). */
int cmd_watch(int argc, char **argv);

#endif
