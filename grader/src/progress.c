/* progress.c - see progress.h. */
#include "progress.h"
#include "util.h"

#include <stdio.h>
#include <unistd.h>

void progress_init(progress *p, size_t total)
{
    *p = (progress){ .tty = isatty(2), .total = total, .start_ms = monotonic_ms() };
}

static void fmt_duration(char *buf, size_t len, double s)
{
    if (s < 0 || s > 360000)
        snprintf(buf, len, "--");
    else if (s >= 3600)
        snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
    else
        snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)s % 60);
}

static void draw(progress *p)
{
    double min = (monotonic_ms() - p->start_ms) / 60000.0;
    double rate = min > 0 ? (double)p->graded / min : 0;
    char eta[32];
    fmt_duration(eta, sizeof eta, rate > 0 ? (double)(p->total - p->done) / rate * 60 : -1);
    int width = 30, fill = p->total ? (int)(p->done * (size_t)width / p->total) : width;
    fprintf(stderr, "\r\033[K[%.*s%.*s] %zu/%zu  %.1f/min  ETA %s  failures %zu  running %zu",
            fill, "##############################", width - fill,
            "------------------------------", p->done, p->total, rate, eta, p->failures,
            p->running);
    fflush(stderr);
    p->drawn_ms = monotonic_ms();
}

void progress_done(progress *p, bool graded, bool failed, const char *line)
{
    p->done++;
    p->graded += graded;
    p->failures += failed;
    if (!p->tty) {
        fprintf(stderr, "[%zu/%zu] %s\n", p->done, p->total, line);
        return;
    }
    if (failed)
        fprintf(stderr, "\r\033[K%s\n", line);
    draw(p);
}

void progress_tick(progress *p)
{
    if (p->tty && monotonic_ms() - p->drawn_ms > 250)
        draw(p);
}

void progress_end(progress *p)
{
    if (p->tty) {
        draw(p);
        fputc('\n', stderr);
    }
}
