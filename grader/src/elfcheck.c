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

static bool listed_in(char **list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
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

/* One function of the object: where its code is, and what its relocations say. */
typedef struct func_range {
    size_t sym;       /* its index in the symbol table */
    unsigned shndx;
    uint64_t start, end;
    bool calls, tsan_entry;
} func_range;

static int by_place(const void *a, const void *b)
{
    const func_range *x = a, *y = b;
    if (x->shndx != y->shndx)
        return x->shndx < y->shndx ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* The function whose code holds offset off of section shndx, or NULL. */
static func_range *func_at(func_range *f, size_t n, unsigned shndx, uint64_t off)
{
    size_t lo = 0, hi = n;
    while (lo < hi) { /* the first range placed after (shndx, off) */
        size_t mid = lo + (hi - lo) / 2;
        if (f[mid].shndx < shndx || (f[mid].shndx == shndx && f[mid].start <= off))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || f[lo - 1].shndx != shndx)
        return NULL;
    /* Ranges do not overlap, but aliases share one: any of them will do. */
    uint64_t start = f[lo - 1].start;
    for (size_t i = lo; i-- > 0 && f[i].shndx == shndx && f[i].start == start;)
        if (off < f[i].end)
            return &f[i];
    return NULL;
}

/* Which functions of one symbol table call out without __tsan_func_entry. */
static void find_uninstrumented(const char *data, size_t size, const Elf64_Ehdr *eh,
                                const Elf64_Shdr *sh, unsigned symtab, elf_symbols *out)
{
    const Elf64_Shdr *st = &sh[symtab], *strtab = &sh[st->sh_link];
    const Elf64_Sym *syms = (const Elf64_Sym *)(data + st->sh_offset);
    size_t nsyms = st->sh_size / sizeof(Elf64_Sym), nf = 0;
    func_range *f = xcalloc(nsyms ? nsyms : 1, sizeof *f);
    for (size_t k = 1; k < nsyms; k++)
        if (ELF64_ST_TYPE(syms[k].st_info) == STT_FUNC && syms[k].st_shndx != SHN_UNDEF &&
            syms[k].st_shndx < eh->e_shnum && syms[k].st_size > 0)
            f[nf++] = (func_range){ k, syms[k].st_shndx, syms[k].st_value,
                                    syms[k].st_value + syms[k].st_size, false, false };
    qsort(f, nf, sizeof *f, by_place);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_RELA || sh[i].sh_link != symtab ||
            sh[i].sh_entsize != sizeof(Elf64_Rela) ||
            !in_bounds(size, sh[i].sh_offset, sh[i].sh_size))
            continue;
        const Elf64_Rela *r = (const Elf64_Rela *)(data + sh[i].sh_offset);
        for (size_t k = 0; k < sh[i].sh_size / sizeof *r; k++) {
            /* Calls: R_X86_64_PLT32 (direct calls in PIC and non-PIC code alike). */
            if (ELF64_R_TYPE(r[k].r_info) != R_X86_64_PLT32)
                continue;
            size_t target = ELF64_R_SYM(r[k].r_info);
            func_range *fn = func_at(f, nf, sh[i].sh_info, r[k].r_offset);
            if (!fn || target == 0 || target >= nsyms)
                continue;
            const char *name = str_at(data, strtab, size, syms[target].st_name);
            if (name && strcmp(name, "__tsan_func_entry") == 0)
                fn->tsan_entry = true;
            else if (!name || strncmp(name, "__tsan_", 7) != 0)
                fn->calls = true;
        }
    }
    for (size_t i = 0; i < nf; i++) {
        const char *name = str_at(data, strtab, size, syms[f[i].sym].st_name);
        /* GCC's own constructor that starts the sanitizer calls __tsan_init only. */
        if (f[i].calls && !f[i].tsan_entry && name && *name &&
            !listed_in(out->calls_uninstrumented, out->nuninstrumented, name))
            push(&out->calls_uninstrumented, &out->nuninstrumented, name);
    }
    free(f);
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
            if (type == STT_GNU_IFUNC && syms[k].st_shndx != SHN_UNDEF)
                push(&out->ifuncs, &out->nifunc, name);
            if (syms[k].st_shndx == SHN_UNDEF) {
                if (bind != STB_LOCAL)
                    push(&out->undefined, &out->nundefined, name);
                if (bind == STB_WEAK)
                    push(&out->weak_refs, &out->nweak, name);
            } else if (bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE) {
                push(&out->defined, &out->ndefined, name);
            }
        }
        find_uninstrumented(data, size, eh, sh, i, out);
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
    free_list(s->weak_refs, s->nweak);
    free_list(s->ifuncs, s->nifunc);
    free_list(s->calls_uninstrumented, s->nuninstrumented);
    memset(s, 0, sizeof *s);
}
