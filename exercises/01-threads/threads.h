/* threads.h - lesson 01: starting threads and waiting for them. */
#ifndef THREADS_H
#define THREADS_H

#include <pthread.h>
#include <stddef.h>

/* Calls fn(args[i]) for every i < n, each call on a thread of its own, all
 * running at the same time, and stores what call i returned in results[i].
 * Returns when every call has returned.
 *
 * Returns 0, or the error pthread_create reported if a thread could not be
 * started: in that case the threads already started are waited for before
 * run_all returns, so no thread of run_all's is left running. */
int run_all(size_t n, void *(*fn)(void *), void *const args[], void *results[]);

/* The "Thread subclass" idiom of Python's threading.Thread: embed a task_t
 * as the first member of your own struct, set `run`, and start it:
 *
 *     struct stock { task_t task; const char *symbol; double price; };
 *     static void fetch(task_t *self) { struct stock *s = (struct stock *)self; ... }
 *     struct stock s = { .task.run = fetch, .symbol = "MSFT" };
 *     task_start(&s.task); ...; task_join(&s.task);
 */
typedef struct task task_t;
struct task {
    void (*run)(task_t *self);
    pthread_t thread;
};

/* Starts a new thread that calls t->run(t). Returns 0 or pthread_create's error. */
int task_start(task_t *t);

/* Waits until the thread started by task_start has finished. Returns 0 or
 * pthread_join's error. */
int task_join(task_t *t);

#endif
