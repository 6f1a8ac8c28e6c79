/* tcpclient.h - the TCP clients a network lesson's tests play on the
 * student's loopback (tcpclient.c, judge side): each sends a pattern made
 * from a seed and checks every byte that comes back. For the tests of
 * lessons whose student code is a TCP server (15-echo, 21-eventloop).
 */
#ifndef TCPCLIENT_H
#define TCPCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_CLIENTS_MAX 256        /* clients one client_exchange plays at most */
#define CLIENT_SEED_STEP 1000003u  /* client i of an exchange: seed + i * this */
#define NO_BAD UINT64_MAX

/* Byte `i` of the stream a client with this seed sends. */
static inline unsigned char pattern_byte(uint64_t seed, uint64_t i)
{
    uint64_t x = (seed + i) * 0x9E3779B97F4A7C15ull;
    return (unsigned char)((x ^ (x >> 29)) >> 40);
}

/* What a client received: `got` bytes, the offset of the first one that
 * was not the pattern (NO_BAD: none), and why it stopped. */
enum { GOT_ALL, GOT_TIMEOUT, GOT_EOF, GOT_ERROR /* + errno */ };
typedef struct client_got {
    uint64_t got, bad, end;
} client_got;

/* A client connected to 127.0.0.1:port (rcvbuf > 0: that receive buffer),
 * its descriptor; -errno when connect failed (3 s at most), CLIENT_NO_SOCKET
 * when the grader could not make the client's socket. */
#define CLIENT_NO_SOCKET (-1000000)
int client_connect(uint16_t port, int rcvbuf);
/* Sends pattern bytes [off, off + n) of `seed`; how many went in ms. */
long client_send(int fd, size_t n, uint64_t seed, size_t off, unsigned ms);
/* Sends pattern bytes of `seed` until max_bytes went (about: whole 16 KiB
 * sends), or the connection took no more for stall_ms in a row (every
 * buffer on the way is full), max_ms at most; how many went. */
long client_fill(int fd, uint64_t seed, size_t max_bytes, unsigned stall_ms, unsigned max_ms);
/* Receives up to n bytes in ms, checked against pattern bytes from off. */
client_got client_recv(int fd, size_t n, uint64_t seed, size_t off, unsigned ms);
/* Client i of fds[] sends n pattern bytes (seed + i * CLIENT_SEED_STEP)
 * while it reads its echo, all at once, for ms at most; close_done: each
 * client closes as soon as its whole echo came (fds[i] is then gone). */
void client_exchange(const int fds[], size_t k, size_t n, uint64_t seed, unsigned ms,
                     bool close_done, client_got got[]);
/* reset: SO_LINGER 0, the close resets the connection. */
void client_close(int fd, bool reset);
/* A port nobody listens on now (bound and released), 0 if none was found. */
uint16_t client_free_port(void);

/* Why a client stopped, for messages. */
static inline const char *got_end(const client_got *g)
{
    switch (g->end) {
    case GOT_ALL: return "everything";
    case GOT_TIMEOUT: return "nothing more came (time out)";
    case GOT_EOF: return "the server closed the connection";
    default: return "the connection failed (reset)";
    }
}

#endif
