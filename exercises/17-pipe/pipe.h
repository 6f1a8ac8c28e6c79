/* pipe.h - lesson 17: a message channel over pipes, like Python's
 * multiprocessing.Pipe().
 *
 * chan_pair makes two connected ends. Whatever one end sends, the other end
 * receives, as whole messages, in order: a pipe carries a stream of bytes,
 * so the channel must frame each message (its length first, for example).
 *
 * The grader reads the lesson's API from this header: the functions declared
 * here are the only globals your file may define.
 *
 * One end is used by one thread at a time; the two ends may be used by two
 * threads at once (or, after a fork, by two processes: each keeps the end it
 * needs and closes the other).
 */
#ifndef PIPE_H
#define PIPE_H

#include <stddef.h>
#include <sys/types.h>

typedef struct chan chan_t;

/* Makes two connected ends: what *a sends *b receives, and the other way
 * round. Returns 0, or an errno value (EMFILE, ENOMEM...) and then leaves
 * nothing open and nothing allocated. */
int chan_pair(chan_t **a, chan_t **b);

/* Sends one whole message of len bytes (len >= 1). Blocks until every byte
 * is written. Returns 0, or an errno value (not -1): EINVAL when len is 0,
 * EPIPE when the other end is closed (and never raises SIGPIPE), else the
 * error of the write. EINTR is retried, never returned. */
int chan_send(chan_t *c, const void *msg, size_t len);

/* Receives the next message into buf (cap bytes). Blocks until one comes.
 * Returns its length; 0 only at the end of the stream (the other end is
 * closed and every message was read); -1 with errno set: EMSGSIZE when the
 * message is longer than cap (it stays queued: a later call with a larger
 * buffer gets it), EIO when the stream ends inside a message, else the
 * error of the read. EINTR is retried, never returned. */
ssize_t chan_recv(chan_t *c, void *buf, size_t cap);

/* Closes this end and frees it; NULL does nothing. The other end then sees
 * the end of the stream once it has read every message, and its sends fail
 * with EPIPE. */
void chan_close(chan_t *c);

#endif
