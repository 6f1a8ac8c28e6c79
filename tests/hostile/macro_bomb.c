/* lesson: 02-bank
 * A macro that expands to 10^(2^11) tokens: the compile step's memory, time and
 * output limits stop it.
 * expect-status: compile_error
 * expect-message: out of memory
 */
#define L0(x) x x x x x x x x x x
#define L1(x) L0(L0(x))
#define L2(x) L1(L1(x))
#define L3(x) L2(L2(x))
#define L4(x) L3(L3(x))
#define L5(x) L4(L4(x))
#define L6(x) L5(L5(x))
#define L7(x) L6(L6(x))
#define L8(x) L7(L7(x))
#define L9(x) L8(L8(x))
#define L10(x) L9(L9(x))
#define L11(x) L10(L10(x))
L11(int x;)
