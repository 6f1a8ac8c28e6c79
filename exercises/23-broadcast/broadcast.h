/* broadcast.h - lesson 23: one publisher, many subscribers, like the
 * seed's JpegStreamer: each subscriber gets a pipe of its own, and every
 * frame published from then on is written to every subscriber's pipe.
 *
 * A frame on a subscriber's pipe is the payload's length as a native
 * size_t (the seed's struct.pack('l')) followed by the payload. Payloads
 * are at most PIPE_BUF - sizeof(size_t) bytes (longer ones are the
 * caller's error), so the whole frame fits in one write that the kernel
 * makes all or nothing.
 *
 * Every function may be called from many threads at once on the same hub:
 * subscribers come and go while frames are published.
 */
#ifndef BROADCAST_H
#define BROADCAST_H

#include <stddef.h>

typedef struct hub hub_t;

/* A new hub with no subscriber. Returns NULL if out of memory. */
hub_t *hub_new(void);

/* Closes every subscriber's pipe (both ends) and frees the hub. No other
 * thread may use it any more. */
void hub_free(hub_t *h);

/* Makes a pipe for a new subscriber and returns its read end: it receives
 * every frame published from now on (none published before). Returns -1
 * when no pipe can be made. */
int hub_subscribe(hub_t *h);             /* read end of a pipe receiving frames published from now on */

/* Removes the subscriber whose read end is fd and closes both ends of its
 * pipe. The caller stops reading fd first. */
void hub_unsubscribe(hub_t *h, int fd);

/* Writes the frame (len, then the len payload bytes) to every subscriber's
 * pipe and returns how many received it. A subscriber whose pipe is full
 * skips this frame: the publisher never waits for a slow subscriber, and
 * no subscriber ever sees part of a frame. */
size_t hub_publish(hub_t *h, const void *frame, size_t len); /* length-prefixed; a full subscriber skips the frame, never blocks the publisher, never sees a torn frame */

#endif
