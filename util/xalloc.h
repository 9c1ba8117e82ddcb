/* xalloc: the one allocation wrapper. Every allocation in corral goes
 * through it; on out-of-memory it prints what failed and aborts, so callers
 * never carry dead NULL checks. It owns nothing beyond that. */
#ifndef CORRAL_UTIL_XALLOC_H
#define CORRAL_UTIL_XALLOC_H

#include <stddef.h>

/* malloc(size); never returns NULL (size 0 yields a unique pointer). */
void *xmalloc(size_t size) __attribute__((malloc, returns_nonnull));
/* calloc(count, size) with overflow check; zeroed memory. */
void *xcalloc(size_t count, size_t size) __attribute__((malloc, returns_nonnull));
/* realloc(ptr, size); never returns NULL. */
void *xrealloc(void *ptr, size_t size) __attribute__((returns_nonnull));
/* A NUL-terminated copy of s. */
char *xstrdup(const char *s) __attribute__((malloc, returns_nonnull));
/* A NUL-terminated copy of the first len bytes of s (s need not be terminated). */
char *xstrndup(const char *s, size_t len) __attribute__((malloc, returns_nonnull));

#endif
