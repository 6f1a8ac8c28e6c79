/* progress.h - what `grader batch` shows while it works: a one-line progress
 * bar (done/total, rate, ETA, failures) on a terminal, plain lines otherwise
 * (logs, CI). Everything goes to stderr. */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct progress {
    bool tty;
    size_t total;     /* students in this run (skipped ones included) */
    size_t done;      /* finished or skipped */
    size_t graded;    /* graded by this run (for the rate) */
    size_t failures;  /* grading failed or hit the cap */
    size_t running;
    double start_ms, drawn_ms;
} progress;

void progress_init(progress *p, size_t total);

/* A student is finished: `line` says how (printed as a plain line when not
 * on a terminal; on a terminal only failures are kept above the bar). */
void progress_done(progress *p, bool graded, bool failed, const char *line);

/* Redraws the bar (at most a few times a second); no-op off a terminal. */
void progress_tick(progress *p);

/* Leaves the terminal's line clean. */
void progress_end(progress *p);

#endif
