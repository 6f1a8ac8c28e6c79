/* elfcheck.h - what a compiled student object defines and calls.
 *
 * Read straight from the ELF file (no nm/objdump): the global symbols it
 * defines, the symbols it needs from elsewhere, and whether it has sections
 * that run code before main or after exit (constructors, destructors).
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
} elf_symbols;

/* Returns 0, or -1 with a reason in err (not an ELF64 relocatable object...). */
int elf_read_symbols(const char *path, elf_symbols *out, char *err, size_t errlen);
void elf_symbols_free(elf_symbols *s);

#endif
