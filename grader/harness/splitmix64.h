/* splitmix64.h - the one pseudo-random generator of the grader and its
 * harness (Steele, Lea and Flood's SplitMix64): the harness's test inputs
 * (harness_rand), the engine's schedule noise (noise.c) and the grader's
 * derived schedule seeds (verdict.c) all come from it. Small, fast, and good
 * enough for schedules and test data; not for anything secret.
 */
#ifndef SPLITMIX64_H
#define SPLITMIX64_H

#include <stdint.h>

#define SPLITMIX64_GAMMA 0x9E3779B97F4A7C15ull

/* The output function: scrambles one state value. */
static inline uint64_t splitmix64_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Advances *state and returns the next value. */
static inline uint64_t splitmix64_next(uint64_t *state)
{
    return splitmix64_mix(*state += SPLITMIX64_GAMMA);
}

/* The k-th value after state `base`, without a state to advance. */
static inline uint64_t splitmix64_at(uint64_t base, uint64_t k)
{
    return splitmix64_mix(base + SPLITMIX64_GAMMA * k);
}

#endif
