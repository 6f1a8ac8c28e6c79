/* c11_bank_ok.c - sample for `grader stress`: a correct bank written with
 * C11 <threads.h>: every access to the balance under one mtx_t, a cnd_t to
 * wait for money, threads started and joined with thrd_create/thrd_join.
 * The engine sees the C11 calls (noise, spurious wake-ups) and finds
 * nothing wrong.
 * expect: ok */
#include <stdio.h>
#include <threads.h>

static mtx_t lock;
static cnd_t money;
static long balance = 0;

static int deposit_many(void *arg)
{
    long n = (long)arg;
    for (long i = 0; i < n; i++) {
        mtx_lock(&lock);
        balance++;
        cnd_signal(&money);
        mtx_unlock(&lock);
    }
    return 0;
}

static int withdraw_many(void *arg)
{
    long n = (long)arg;
    for (long i = 0; i < n; i++) {
        mtx_lock(&lock);
        while (balance == 0)
            cnd_wait(&money, &lock);
        balance--;
        mtx_unlock(&lock);
    }
    return 7;
}

int main(void)
{
    if (mtx_init(&lock, mtx_plain) != thrd_success || cnd_init(&money) != thrd_success)
        return 1;
    thrd_t in[2], out[2];
    for (int i = 0; i < 2; i++) {
        if (thrd_create(&in[i], deposit_many, (void *)2000L) != thrd_success ||
            thrd_create(&out[i], withdraw_many, (void *)2000L) != thrd_success)
            return 1;
    }
    int ok = 1;
    for (int i = 0; i < 2; i++) {
        int res = -1;
        thrd_join(in[i], NULL);
        thrd_join(out[i], &res);
        ok &= res == 7;
    }
    mtx_lock(&lock);
    ok &= balance == 0;
    mtx_unlock(&lock);
    cnd_destroy(&money);
    mtx_destroy(&lock);
    printf("balance=%ld\n", balance);
    return ok ? 0 : 1;
}
