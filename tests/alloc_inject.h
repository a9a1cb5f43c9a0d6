/* alloc_inject.h - allocation counting and failure injection (tests/check_alloc.c).
 *
 * The test binary wraps malloc, calloc, realloc and free (-Wl,--wrap, see the
 * Makefile); the library is linked statically, so its allocations go through
 * these wrappers, and so do the tests' and Check's own. */
#ifndef DLNET_ALLOC_INJECT_H
#define DLNET_ALLOC_INJECT_H

#include <stddef.h>

/* Count allocations from now on and fail the k-th one (1-based; k = 0:
 * count only). Only one injection is armed at a time (one thread). */
void ai_arm(size_t k);
/* Stop counting and injecting. */
void ai_disarm(void);
/* While paused (nonzero), allocations are neither counted nor failed. */
void ai_pause(int paused);
/* Allocations counted since ai_arm(). */
size_t ai_counted(void);
/* 1 if the armed failure has been injected. */
int ai_fired(void);
/* Blocks allocated and not yet freed through the wrappers (all threads). */
long ai_live(void);
/* Call stack (up to 8 return addresses) of the allocation that ai_arm()
 * failed, for addr2line; returns the depth. */
int ai_stack(void **frames);

#endif
