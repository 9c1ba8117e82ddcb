/* cancel_map: the BackendKeyData corral gives each logged-in client, and
 * the map from that (pid, key) pair back to the client, so a CancelRequest
 * arriving on a new connection finds its client in O(1). Keys are 64 bits
 * (pid and key together) from OpenSSL's CSPRNG, so a client cannot guess
 * another's; a pair that matches no entry reaches nobody. The map owns its
 * table, not the owners it points to. One map per event loop. */
#ifndef CORRAL_POOLER_CANCEL_MAP_H
#define CORRAL_POOLER_CANCEL_MAP_H

#include <stddef.h>
#include <stdint.h>

struct cancel_map;

/* An empty map. Freed by cancel_map_free. */
struct cancel_map *cancel_map_new(void);
/* Free the table; the owners are not touched. NULL is allowed. */
void cancel_map_free(struct cancel_map *map);

/* Draw a fresh random (pid, key) pair that no entry uses, map it to owner
 * (not NULL) and return it in *pid and *key for the client's BackendKeyData.
 * All 64 bits are random; random bytes are drawn in batches so a login does
 * not cost a system call. The owner stays mapped until cancel_map_remove.
 * Returns 0, or -1 when the CSPRNG fails (the map is unchanged; refuse the
 * login rather than hand out a guessable key). */
int cancel_map_new_key(struct cancel_map *map, void *owner, uint32_t *pid, uint32_t *key)
	__attribute__((warn_unused_result));

/* The owner mapped to (pid, key), or NULL when none is. */
void *cancel_map_find(const struct cancel_map *map, uint32_t pid, uint32_t key);

/* Unmap (pid, key). Returns the owner it was mapped to, or NULL when none
 * was. No allocation; the table never shrinks. */
void *cancel_map_remove(struct cancel_map *map, uint32_t pid, uint32_t key);

/* Number of mapped pairs. */
size_t cancel_map_count(const struct cancel_map *map);

#endif
