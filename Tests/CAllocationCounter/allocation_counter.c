#include "allocation_counter.h"
#include <stddef.h>

// glibc's own entry points: the replacements forward to them.
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static _Thread_local int armed;
static _Thread_local long allocations;

void lm_allocations_arm(void) { allocations = 0; armed = 1; }
long lm_allocations_disarm(void) { armed = 0; return allocations; }

void *malloc(size_t size) { if (armed) allocations++; return __libc_malloc(size); }
void *calloc(size_t count, size_t size) { if (armed) allocations++; return __libc_calloc(count, size); }
void *realloc(void *pointer, size_t size) { if (armed) allocations++; return __libc_realloc(pointer, size); }
void *memalign(size_t alignment, size_t size) { if (armed) allocations++; return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { if (armed) allocations++; return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    if (armed) allocations++;
    void *pointer = __libc_memalign(alignment, size);
    if (!pointer) return 12; // ENOMEM
    *out = pointer;
    return 0;
}
