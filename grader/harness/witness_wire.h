/* witness_wire.h - the messages between the judge (harness/witness.c) and the
 * sandbox's witness (sandbox/witness.c): a trusted helper inside the run's
 * namespaces.
 *
 * In a network lesson the tests play the clients of the student's server.
 * What a client receives decides the verdict, so the clients live in the
 * judge, never in the student's process; but the server listens on the
 * loopback of the sandbox's own network namespace, which the judge cannot
 * enter. A socket belongs to the namespace it was made in wherever its
 * descriptor goes, so the witness makes sockets and passes them out. It also
 * lists the TCP sockets the namespace's processes hold (what the server left
 * open) and the processes of the run's PID namespace (zombies, children left
 * running): facts the judge then has from trusted code, not from the
 * student's process.
 *
 * A SOCK_SEQPACKET socketpair; the judge sends one request and reads the
 * reply (or replies) before the next. Both sides check every field.
 */
#ifndef WITNESS_WIRE_H
#define WITNESS_WIRE_H

#include <stdint.h>

enum {
    WITNESS_SOCKET = 1, /* a new socket(domain, type | SOCK_CLOEXEC, 0), passed with SCM_RIGHTS */
    WITNESS_HELD = 2,   /* the TCP sockets (IPv4 and IPv6) some process holds */
    WITNESS_PROCS = 3,  /* the processes of the run's PID namespace, but the witness */
};

typedef struct witness_request {
    uint32_t verb;
    int32_t domain, type; /* WITNESS_SOCKET: AF_INET or AF_INET6; SOCK_STREAM or SOCK_DGRAM */
} witness_request;

/* WITNESS_SOCKET's reply: err 0 and the descriptor, or an errno and none. */
typedef struct witness_socket_reply {
    int32_t err;
} witness_socket_reply;

/* One TCP socket of /proc/net/tcp{,6} with an inode (a descriptor holds
 * it; a socket closed but still in TIME_WAIT has none). `state` is the
 * kernel's TCP state number (1 ESTABLISHED ... 10 LISTEN). */
typedef struct witness_held {
    uint64_t inode;
    uint16_t local_port, remote_port;
    uint8_t state, v6;
    uint8_t pad[2];
} witness_held;

/* WITNESS_HELD's replies: as many as needed, `last` set on the final one;
 * err != 0 (on the final one): the table could not be read. */
#define WITNESS_HELD_CHUNK 128
typedef struct witness_held_reply {
    uint32_t count, last;
    int32_t err;
    uint32_t pad;
    witness_held e[WITNESS_HELD_CHUNK];
} witness_held_reply;

/* One process of the run's PID namespace (/proc/PID/stat): pids as the
 * namespace numbers them (init is 1), the kernel's state letter (R, S, D,
 * Z: a zombie, T...), its name (comm, at most 15 bytes, NUL-terminated). */
typedef struct witness_proc {
    int32_t pid, ppid;
    char state;
    char comm[16];
    char pad[3];
} witness_proc;

/* WITNESS_PROCS's replies: as many as needed, `last` set on the final one. */
#define WITNESS_PROCS_CHUNK 128
typedef struct witness_procs_reply {
    uint32_t count, last;
    int32_t err;
    uint32_t pad;
    witness_proc e[WITNESS_PROCS_CHUNK];
} witness_procs_reply;

/* The judge's end (judge.c, from --sockets; witness.c serves it). */
void witness_judge_channel(int fd);

#endif
