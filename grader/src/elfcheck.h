/* elfcheck.h - what a compiled student object defines and calls.
 *
 * Read straight from the ELF file (no nm/objdump): the global symbols it
 * defines, the symbols it needs from elsewhere (and which of those are weak:
 * a weak reference tells at run time whether something, a sanitizer, is
 * linked in), whether it has sections that run code before main or after
 * exit (constructors, destructors), and, from the relocations, which
 * functions call out without ever calling __tsan_func_entry: in an object
 * compiled with -fsanitize=thread, GCC and Clang give every function that
 * calls anything or touches shared memory that entry call, so a function
 * that calls out without it was kept from the sanitizer (no_sanitize*).
 */
#ifndef ELFCHECK_H
#define ELFCHECK_H

#include <stddef.h>

typedef struct elf_symbols {
    char **defined;     /* global or weak symbols defined here */
    size_t ndefined;
    char **undefined;   /* symbols it references from elsewhere */
    size_t nundefined;
    char **init_sections; /* .init_array, .ctors, .fini_array, ... present */
    size_t ninit;
    char **weak_refs;   /* undefined symbols referenced weakly (also in undefined) */
    size_t nweak;
    char **ifuncs;      /* indirect functions (STT_GNU_IFUNC): their resolvers run before main */
    size_t nifunc;
    char **calls_uninstrumented; /* functions with a call (PLT32) but no __tsan_func_entry */
    size_t nuninstrumented;
} elf_symbols;

/* Returns 0, or -1 with a reason in err (not an ELF64 relocatable object...). */
int elf_read_symbols(const char *path, elf_symbols *out, char *err, size_t errlen);
void elf_symbols_free(elf_symbols *s);

#endif
