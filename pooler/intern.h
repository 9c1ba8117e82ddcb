/* intern: shared, reference-counted copies of strings. Equal strings are
 * one object, so two interned strings are equal exactly when their
 * pointers are: session_params compares a client's parameter values with
 * a server's at every link of the two, and 10,000 clients that all sent
 * application_name=app hold one copy of it. One table per process (corral
 * runs one loop, in one thread); it holds only the strings someone
 * references, and frees its buckets when the last one goes. No I/O. */
#ifndef CORRAL_POOLER_INTERN_H
#define CORRAL_POOLER_INTERN_H

#include <stddef.h>

/* The interned copy of s, with one reference for the caller. */
const char *intern_get(const char *s) __attribute__((returns_nonnull));
/* One more reference to v, which must be interned; returns v. */
const char *intern_ref(const char *v) __attribute__((returns_nonnull));
/* Drops one reference to v (interned, or NULL); the last one frees it. */
void intern_put(const char *v);
/* How many distinct strings are interned now. */
size_t intern_count(void);

#endif
