/* event.h - lesson 06: an event flag that threads can wait for, like
 * Python's threading.Event.
 *
 * Every function may be called from many threads at once on the same event.
 */
#ifndef EVENT_H
#define EVENT_H

#include <stdbool.h>

typedef struct event event_t;

/* A new event, not set. Returns NULL if out of memory. */
event_t *event_new(void);

/* Frees the event. No thread may use it any more (none is waiting in it). */
void event_free(event_t *e);

/* Sets the event and wakes EVERY thread waiting for it. Until event_clear,
 * waits return at once. Setting a set event changes nothing. */
void event_set(event_t *e);

/* Clears the event: waits from now on block until the next event_set. */
void event_clear(event_t *e);

/* True if the event is set. */
bool event_is_set(event_t *e);

/* Returns once the event is set: at once if it is set already, else when
 * another thread sets it. Never returns while the event is not set. */
void event_wait(event_t *e);

/* Like event_wait, but gives up after `ms` milliseconds (measured on
 * CLOCK_MONOTONIC). Returns true if the event is set, false if the time ran
 * out first. Never returns false before `ms` have passed. */
bool event_wait_timeout(event_t *e, unsigned ms);

#endif
