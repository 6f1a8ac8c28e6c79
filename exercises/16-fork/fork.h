/* fork.h - lesson 16: start n child processes and collect how each ended,
 * like Python's multiprocessing.Process(target=fn, args=(i,)).start() for
 * i in range(n), then p.join() for each.
 *
 * The grader reads the lesson's API from this header: the function declared
 * here is the only global your file may define.
 */
#ifndef FORK_H
#define FORK_H

#include <stddef.h>

/* Starts n child processes with fork(): child i runs fn(i) and ends with
 * _exit(fn(i)). It never returns into the caller's code, never flushes the
 * parent's stdio buffers and never runs its atexit handlers (that is what
 * exit() would do, and return would run the caller's code twice).
 *
 * The parent waits for every child it started and stores child i's raw
 * wait status in statuses[i] (what waitpid gives: test it with WIFEXITED,
 * WEXITSTATUS, WIFSIGNALED, WTERMSIG), in index order whatever order the
 * children end in. A child killed by a signal (a crash) keeps that signal
 * in its status. When fork_all returns, none of its children is left: no
 * zombie, none running.
 *
 * Returns 0; EINVAL when fn is NULL; 0 at once when n is 0. When a fork
 * fails part-way, fork_all waits for the children already started (their
 * statuses are stored) and returns fork's error (EAGAIN...).
 *
 * fork_all may be called from several threads at once: each call waits
 * for its own children only, never another call's. */
int fork_all(size_t n, int (*fn)(size_t i), int statuses[]);

#endif
