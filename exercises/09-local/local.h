/* local.h - lesson 09: thread-local data (Python's threading.local).
 *
 * The grader reads the lesson's API from this header: the functions declared
 * here are the only globals a student's file may define.
 *
 * One tally for the whole program, shared by every thread, in which each
 * thread has a count of its own: tally_add and tally_mine touch only the
 * calling thread's count, as if each thread had a private variable.
 * tally_total sums everyone's: the threads still running and the threads
 * that have exited (their counts are kept when they exit). A thread's count
 * starts at 0 when it first uses the tally. Every function except
 * tally_reset may be called from many threads at once.
 */
#ifndef LOCAL_H
#define LOCAL_H

/* Adds v (which may be negative) to the calling thread's own count. Never
 * changes another thread's count. */
void tally_add(long v);

/* The calling thread's own count: the sum of what this thread has added
 * since it started (or since the last tally_reset). 0 for a thread that
 * has added nothing, even if the system gave it the id (pthread_t) of a
 * thread that has exited. */
long tally_mine(void);

/* Every thread's count added up: the threads still running and the threads
 * that have exited. Safe to call while other threads add. */
long tally_total(void);

/* Zeroes every count: the live threads' and the exited threads'. Call it
 * only while no other thread uses the tally (other threads may be alive,
 * not in a call). */
void tally_reset(void);

#endif
