/* turns.h - lesson 12: threads taking strict turns (ping-pong). */
#ifndef TURNS_H
#define TURNS_H

#include <stddef.h>

/* Starts k threads, numbered 0 to k-1, and makes them take turns: thread i
 * calls say(i) only when it is its turn, in the order 0, 1, .., k-1, 0, 1, ..
 * until every thread has spoken `rounds` times (k * rounds calls in all).
 * Each number speaks from its own thread, never from the caller's. Returns
 * after all the threads have finished.
 *
 * Returns 0, EINVAL if k is 0, or the error pthread_create reported: then
 * the threads already started are stopped and joined before take_turns
 * returns (say may already have been called a few times). */
int take_turns(size_t k, size_t rounds, void (*say)(size_t who));

#endif
