/* elfcheck.c - see elfcheck.h. Every offset read from the file is checked
 * against its size: the object comes from a submission's source and inline
 * assembly can shape it. */
#include "elfcheck.h"
#include "util.h"

#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void push(char ***list, size_t *n, const char *s)
{
    *list = realloc(*list, (*n + 2) * sizeof **list);
    if (!*list) {
        fputs("grader: out of memory\n", stderr);
        exit(1);
    }
    (*list)[(*n)++] = xstrdup(s);
    (*list)[*n] = NULL;
}

static bool in_bounds(size_t size, uint64_t off, uint64_t len)
{
    return off <= size && len <= size - off;
}

/* A NUL-terminated name inside the string table, or NULL. */
static const char *str_at(const char *data, const Elf64_Shdr *strtab, size_t size, uint32_t idx)
{
    if (!in_bounds(size, strtab->sh_offset, strtab->sh_size) || idx >= strtab->sh_size)
        return NULL;
    const char *s = data + strtab->sh_offset + idx;
    return memchr(s, '\0', strtab->sh_size - idx) ? s : NULL;
}

static bool is_init_section(const char *name, uint32_t type)
{
    static const char *const names[] = { ".init_array", ".fini_array", ".preinit_array",
                                         ".ctors", ".dtors", ".init", ".fini" };
    if (type == SHT_INIT_ARRAY || type == SHT_FINI_ARRAY || type == SHT_PREINIT_ARRAY)
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i]);
        if (strncmp(name, names[i], n) == 0 && (name[n] == '\0' || name[n] == '.'))
            return true;
    }
    return false;
}

int elf_read_symbols(const char *path, elf_symbols *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t size = 0;
    char *data = read_file(path, 256u << 20, &size);
    if (!data) {
        snprintf(err, errlen, "cannot read the compiled object");
        return -1;
    }
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
    if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_REL ||
        eh->e_shentsize != sizeof(Elf64_Shdr) ||
        !in_bounds(size, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr))) {
        snprintf(err, errlen, "the compiled object is not an ELF64 relocatable file");
        free(data);
        return -1;
    }
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(data + eh->e_shoff);
    const Elf64_Shdr *shstr = eh->e_shstrndx < eh->e_shnum ? &sh[eh->e_shstrndx] : NULL;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        const char *name = shstr ? str_at(data, shstr, size, sh[i].sh_name) : NULL;
        if (name && is_init_section(name, sh[i].sh_type))
            push(&out->init_sections, &out->ninit, name);
        if (sh[i].sh_type != SHT_SYMTAB)
            continue;
        if (sh[i].sh_link >= eh->e_shnum || sh[i].sh_entsize != sizeof(Elf64_Sym) ||
            !in_bounds(size, sh[i].sh_offset, sh[i].sh_size))
            continue;
        const Elf64_Shdr *strtab = &sh[sh[i].sh_link];
        const Elf64_Sym *syms = (const Elf64_Sym *)(data + sh[i].sh_offset);
        size_t nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
        for (size_t k = 1; k < nsyms; k++) {
            unsigned bind = ELF64_ST_BIND(syms[k].st_info);
            unsigned type = ELF64_ST_TYPE(syms[k].st_info);
            if (type == STT_SECTION || type == STT_FILE)
                continue;
            const char *name = str_at(data, strtab, size, syms[k].st_name);
            if (!name || !*name)
                continue;
            if (syms[k].st_shndx == SHN_UNDEF) {
                if (bind != STB_LOCAL)
                    push(&out->undefined, &out->nundefined, name);
            } else if (bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE) {
                push(&out->defined, &out->ndefined, name);
            }
        }
    }
    free(data);
    return 0;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

void elf_symbols_free(elf_symbols *s)
{
    free_list(s->defined, s->ndefined);
    free_list(s->undefined, s->nundefined);
    free_list(s->init_sections, s->ninit);
    memset(s, 0, sizeof *s);
}
