/* rpc.h - the protocol between a test's judge and its subject.
 *
 * Every test runs as two processes. The judge (judge.c) holds the test's
 * logic, its assertions and the verdict; it never maps student code. The
 * subject (subject.c) holds the student's object, the concurrency engine and
 * the sanitizer; it only runs what the judge asks. They talk over
 * SOCK_SEQPACKET sockets: one message is one send, whole or not at all, so
 * threads never interleave halves of messages and nobody needs a lock.
 *
 * Channels:
 *   - control (one, made by the grader): HELLO, NEWCHAN from the subject;
 *     SPAWN, FINISH from the judge;
 *   - one per thread pair: a judge thread and the subject thread that runs
 *     its calls ("binding", made by the judge with SPAWN), or a thread the
 *     student's code started and the judge thread that runs the callbacks it
 *     makes (made by the subject with NEWCHAN).
 * On a thread channel the two sides take turns: CALL (judge) is answered by
 * RETURN, CALLBACK (subject) by CB_RETURN; either may nest the other while
 * it waits (a callback that calls the API runs on the same subject thread).
 *
 * The judge trusts nothing it receives: rpc_recv checks every size, the
 * magic, the version and the kind; the caller checks indices and values.
 * Only the raw system calls are used (syscall(2)), so ThreadSanitizer, which
 * models sockets as synchronisation, sees no happens-before edge that the
 * student's code did not make.
 */
#ifndef RPC_H
#define RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RPC_MAGIC 0x52445247u /* "GRDR" */
#define RPC_VERSION 1
#define RPC_MAX_ARGS 8
#define RPC_MAX_ACQUIRE 32     /* channels whose history this call follows */
#define RPC_ACQUIRE_ALL 0xffffffffu
#define RPC_MAX_BLOB (64u << 10)

enum rpc_kind {
    RPC_HELLO = 1, /* subject -> judge (control): the subject is up */
    RPC_SPAWN,     /* judge -> subject (control, + fd): serve a thread channel.
                      args: [0] its id, [1] the parent channel's id (0: none) */
    RPC_READY,     /* subject -> judge (thread channel): args[0] the thread's tid */
    RPC_CALL,      /* judge -> subject: call function `fn` with args (and blob) */
    RPC_RETURN,    /* subject -> judge: args[0] the value; after a repeat,
                      args[1] the calls made and the blob their results */
    RPC_CALLBACK,  /* subject -> judge: callback `fn` with args */
    RPC_CB_RETURN, /* judge -> subject: args[0] the callback's value */
    RPC_NEWCHAN,   /* subject -> judge (control, + fd): a student thread's channel.
                      args: [0] its id, [1] the thread's tid */
    RPC_FINISH,    /* judge -> subject (control): the test is over, exit */
    RPC_EVENT,     /* subject -> judge (control): an asynchronous callback `fn`
                      was called; args as CALLBACK's, then the thread's tid.
                      It does not wait: the one control queue keeps the order
                      in which the student's threads made the calls */
    RPC_BENCH_SINK, /* judge -> subject (control, + fd): the judge's
                       --bench-event-copy: send a copy of every EVENT there
                       first (the judge reads and drops them) */
    RPC_KIND_MAX
};

/* A callback id with this bit is asynchronous (RPC_EVENT, no answer). */
#define RPC_CB_ASYNC 0x40000000u

/* A RETURN's args[2]: how many EVENTs the subject had sent when it
 * answered; the judge runs them all before the caller goes on. */

/* Function numbers at and above this are the engine's, not the lesson's. */
#define RPC_FN_ENGINE 0xffff0000u
enum rpc_engine_fn {
    RPC_FN_LIVE_THREADS = RPC_FN_ENGINE, /* threads the student's code started, running */
    RPC_FN_THREADS_CREATED,              /* started since the test began */
    RPC_FN_FAIL_CREATE,                  /* args: n, err[, after_asleep] (harness_fail_create*) */
    RPC_FN_INTERLEAVE,                   /* args: on (harness_interleave, this thread) */
    RPC_FN_BATCH,                        /* the blob: calls of the lesson's functions, each an
                                            rpc_batch_call and its args, made in order; the
                                            RETURN's args[1]: how many were made, its blob
                                            their values (uint64_t each) */
    RPC_FN_VIRTUAL_TIME,                 /* args: on (harness_virtual_time) */
    RPC_FN_VT_NOW,                       /* the virtual CLOCK_MONOTONIC, in ns */
    RPC_FN_VT_SLEEP,                     /* args: ns: this thread's stub sleeps, virtually */
    RPC_FN_VT_PARK,                      /* args: a channel id: this thread joins that
                                            channel's thread; its stub counts as blocked
                                            while that one's serves, until its next call */
    RPC_FN_UNJOINED_THREADS,             /* threads the student's code started and neither
                                            joined nor (where allowed) detached */
    RPC_FN_FD_MARK,                      /* the student's opens so far (remote_io_mark) */
    RPC_FN_FDS_LEFT,                     /* args: a mark; how many descriptors opened since
                                            are open, the blob says where (leftovers.c) */
    RPC_FN_CHILDREN_LEFT,                /* how many children are unreaped; the blob says
                                            where they were forked */
    RPC_FN_NOP,                          /* nothing: answered at once, no clock, no
                                            history (the judge's --bench-extra-trips) */
};

/* Under virtual time, a CALL's `pad`: how many SPAWNs the judge had sent
 * before it (the subject's clock waits until that many stubs run). */

/* One call in an RPC_FN_BATCH blob; its nargs uint64_t arguments follow. */
typedef struct rpc_batch_call {
    uint32_t fn, nargs;
} rpc_batch_call;

typedef struct rpc_msg {
    uint32_t magic;
    uint16_t version;
    uint16_t kind;
    uint32_t fn;       /* CALL, CALLBACK: which function */
    uint32_t nargs;
    uint64_t args[RPC_MAX_ARGS];
    uint64_t repeat;   /* CALL: make the call this many times (0, 1: once) */
    uint64_t stop;     /* CALL with repeat: stop after a call returns this... */
    uint32_t has_stop; /* ...when set */
    uint32_t nacquire; /* CALL, SPAWN: channels whose calls happen before this one */
    uint32_t acquire[RPC_MAX_ACQUIRE];
    uint32_t blob_len;
    uint32_t pad;
    unsigned char blob[RPC_MAX_BLOB];
} rpc_msg;

/* A repeated call's results, run-length encoded in the RETURN's blob. */
typedef struct rpc_run {
    uint64_t value, count;
} rpc_run;
#define RPC_MAX_RUNS (RPC_MAX_BLOB / sizeof(rpc_run))

/* A message buffer (about 64 KiB) for the calling thread: the one it gave
 * back last, else a new one; NULL when out of memory. Give it back with
 * rpc_buffer_done (a buffer per call would cost a large allocation each
 * time, which ThreadSanitizer makes slow). Freed when the thread exits. */
rpc_msg *rpc_buffer(void);
void rpc_buffer_done(rpc_msg *m);

/* Fills the header of `m` for `kind`; no args, no blob. */
void rpc_init(rpc_msg *m, enum rpc_kind kind);

/* Sends `m` (header and blob_len bytes of blob), with `pass_fd` attached when
 * >= 0. 0, or -1 when the peer is gone. */
int rpc_send(int fd, const rpc_msg *m, int pass_fd);

/* Receives one message into `m`, and a passed fd into *got_fd (-1: none; may
 * be NULL, then a passed fd is closed). *sender_pid (may be NULL): the
 * sender's pid as the kernel tells it (needs SO_PASSCRED), else 0.
 * 0, or -1 at end of stream or on a malformed message (wrong size, magic,
 * version or kind, counts out of range). */
int rpc_recv(int fd, rpc_msg *m, int *got_fd, long *sender_pid);

/* As rpc_recv (no sender pid), but never waits: 1 when no message is queued. */
int rpc_try_recv(int fd, rpc_msg *m, int *got_fd);

#endif
