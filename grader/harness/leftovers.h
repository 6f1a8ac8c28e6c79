/* leftovers.h - the descriptors and children the student's code left, in
 * words with "@HEX" sites (leftovers.c). Subject side. */
#ifndef LEFTOVERS_H
#define LEFTOVERS_H

#include <stddef.h>
#include <stdint.h>

/* Descriptors opened after mark `since` (remote_io_mark) and still open,
 * grouped by the call and line that made them; returns how many. */
size_t leftovers_fds(uint64_t since, uintptr_t exe_base, char *buf, size_t cap);
/* The student's children that it never reaped; returns how many. */
size_t leftovers_children(uintptr_t exe_base, char *buf, size_t cap);

#endif
