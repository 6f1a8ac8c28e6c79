/* student_range.c - see student_range.h. Every offset read from a file is
 * checked against its size (the object's shape is the submission's). */
#include "student_range.h"
#include "util.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

typedef struct elf_file {
    char *data;
    size_t size;
    const Elf64_Ehdr *eh;
    const Elf64_Shdr *sh; /* e_shnum entries */
} elf_file;

static bool in_bounds(size_t size, uint64_t off, uint64_t len)
{
    return off <= size && len <= size - off;
}

static int elf_open(const char *path, elf_file *f)
{
    memset(f, 0, sizeof *f);
    f->data = read_file(path, 512u << 20, &f->size);
    if (!f->data || f->size < sizeof(Elf64_Ehdr))
        return -1;
    f->eh = (const Elf64_Ehdr *)f->data;
    if (memcmp(f->eh->e_ident, ELFMAG, SELFMAG) != 0 || f->eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        f->eh->e_shentsize != sizeof(Elf64_Shdr) ||
        !in_bounds(f->size, f->eh->e_shoff, (uint64_t)f->eh->e_shnum * sizeof(Elf64_Shdr)))
        return -1;
    f->sh = (const Elf64_Shdr *)(f->data + f->eh->e_shoff);
    return 0;
}

/* The NUL-terminated string at `idx` of string table section `s`, or NULL. */
static const char *elf_str(const elf_file *f, uint32_t s, uint64_t idx)
{
    if (s >= f->eh->e_shnum)
        return NULL;
    const Elf64_Shdr *t = &f->sh[s];
    if (!in_bounds(f->size, t->sh_offset, t->sh_size) || idx >= t->sh_size)
        return NULL;
    const char *p = f->data + t->sh_offset + idx;
    return memchr(p, '\0', t->sh_size - idx) ? p : NULL;
}

/* The symbol table section (SHT_SYMTAB), or NULL. */
static const Elf64_Shdr *elf_symtab(const elf_file *f, size_t *n)
{
    for (size_t i = 0; i < f->eh->e_shnum; i++) {
        const Elf64_Shdr *s = &f->sh[i];
        if (s->sh_type == SHT_SYMTAB && s->sh_entsize == sizeof(Elf64_Sym) &&
            in_bounds(f->size, s->sh_offset, s->sh_size)) {
            *n = s->sh_size / sizeof(Elf64_Sym);
            return s;
        }
    }
    return NULL;
}

int student_range_find(const char *obj, const char *bin, code_range *out)
{
    memset(out, 0, sizeof *out);
    elf_file o, b;
    int rc = -1;
    if (elf_open(obj, &o) != 0 || elf_open(bin, &b) != 0)
        goto done;
    /* The object's .text, and a global function defined in it. */
    size_t text = 0;
    for (size_t i = 1; i < o.eh->e_shnum && !text; i++) {
        const char *name = elf_str(&o, o.eh->e_shstrndx, o.sh[i].sh_name);
        if (name && strcmp(name, ".text") == 0 && (o.sh[i].sh_flags & SHF_EXECINSTR))
            text = i;
    }
    size_t nsym = 0, bnsym = 0;
    const Elf64_Shdr *st = elf_symtab(&o, &nsym), *bst = elf_symtab(&b, &bnsym);
    if (!text || !st || !bst)
        goto done;
    const Elf64_Sym *syms = (const Elf64_Sym *)(o.data + st->sh_offset);
    const Elf64_Sym *bsyms = (const Elf64_Sym *)(b.data + bst->sh_offset);
    for (size_t i = 0; i < nsym && rc != 0; i++) {
        const Elf64_Sym *s = &syms[i];
        if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || ELF64_ST_BIND(s->st_info) != STB_GLOBAL ||
            s->st_shndx != text)
            continue;
        const char *name = elf_str(&o, st->sh_link, s->st_name);
        if (!name || !*name)
            continue;
        /* The same global function in the binary: its address less its
         * offset in the object's .text is where that .text starts. */
        for (size_t k = 0; k < bnsym; k++) {
            const Elf64_Sym *t = &bsyms[k];
            const char *bname = elf_str(&b, bst->sh_link, t->st_name);
            if (ELF64_ST_TYPE(t->st_info) == STT_FUNC && t->st_shndx != SHN_UNDEF && bname &&
                strcmp(bname, name) == 0 && t->st_value >= s->st_value) {
                out->lo = t->st_value - s->st_value;
                out->hi = out->lo + o.sh[text].sh_size;
                rc = 0;
                break;
            }
        }
    }
done:
    free(o.data);
    free(b.data);
    return rc;
}

int student_range_of_build(const char *workdir, bool tsan, const char *bin, code_range *out)
{
    /* build.c links WORKDIR/student[_tsan]_rerouted.o into the binary. */
    char *obj = xasprintf("%s/student%s_rerouted.o", workdir, tsan ? "_tsan" : "");
    int rc = student_range_find(obj, bin, out);
    free(obj);
    return rc;
}
