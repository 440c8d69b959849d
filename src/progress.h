/* progress.h — a progress bar on stderr for long runs.
 *
 * One per process: progress_start launches a thread that redraws
 * "[#####.....] 45%  1.3/3.0 GB  850 MB/s" on stderr every 200 ms once a
 * run has taken more than a second; readers report bytes with
 * progress_add (lock-free, from any thread); progress_stop clears the
 * line and joins the thread. Nothing is drawn unless enabled.
 */
#ifndef POSTERN_PROGRESS_H
#define POSTERN_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

/* Start; total is the bytes expected (0 when unknown, e.g. stdin). */
void progress_start(uint64_t total, bool enabled);
/* Count n more bytes read (cheap: one relaxed atomic add). */
void progress_add(uint64_t n);
/* Stop and erase the bar. */
void progress_stop(void);
/* Bytes of the regular files under the paths (directories walked). */
uint64_t progress_total(const char *const *paths, int npaths);

#endif
