/* netwire.h - the messages between the judge (harness/netclient.c) and the
 * sandbox's socket maker (sandbox/netmaker.c).
 *
 * In a network lesson the tests play the clients of the student's server.
 * What a client receives decides the verdict, so the clients live in the
 * judge, never in the student's process; but the server listens on the
 * loopback of the sandbox's own network namespace, which the judge cannot
 * enter. A socket belongs to the namespace it was made in wherever its
 * descriptor goes, so a small trusted helper inside makes sockets and passes
 * them out. It also lists the TCP sockets the namespace's processes hold,
 * which tells the judge what the server left open.
 *
 * A SOCK_SEQPACKET socketpair; the judge sends one request and reads the
 * reply (or replies) before the next. Both sides check every field.
 */
#ifndef NETWIRE_H
#define NETWIRE_H

#include <stdint.h>

enum {
    NETWIRE_SOCKET = 1, /* a new socket(domain, type | SOCK_CLOEXEC, 0), passed with SCM_RIGHTS */
    NETWIRE_HELD = 2,   /* the TCP sockets (IPv4 and IPv6) some process holds */
};

typedef struct netwire_request {
    uint32_t verb;
    int32_t domain, type; /* NETWIRE_SOCKET: AF_INET or AF_INET6; SOCK_STREAM or SOCK_DGRAM */
} netwire_request;

/* NETWIRE_SOCKET's reply: err 0 and the descriptor, or an errno and none. */
typedef struct netwire_socket_reply {
    int32_t err;
} netwire_socket_reply;

/* One TCP socket of /proc/net/tcp{,6} with an inode (a descriptor holds
 * it; a socket closed but still in TIME_WAIT has none). `state` is the
 * kernel's TCP state number (1 ESTABLISHED ... 10 LISTEN). */
typedef struct netwire_held {
    uint64_t inode;
    uint16_t local_port, remote_port;
    uint8_t state, v6;
    uint8_t pad[2];
} netwire_held;

/* NETWIRE_HELD's replies: as many as needed, `last` set on the final one;
 * err != 0 (on the final one): the table could not be read. */
#define NETWIRE_HELD_CHUNK 128
typedef struct netwire_held_reply {
    uint32_t count, last;
    int32_t err;
    uint32_t pad;
    netwire_held e[NETWIRE_HELD_CHUNK];
} netwire_held_reply;

/* The judge's end (judge.c, from --sockets; netclient.c serves it). */
void netwire_judge_channel(int fd);

#endif
