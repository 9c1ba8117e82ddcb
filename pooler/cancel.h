/* cancel: routing a client's CancelRequest. The key a client holds is
 * corral's own (cancel_map); the request goes to the server that client is
 * linked to at that moment, with that server's key, on a new connection
 * that is closed once the 16 bytes are sent. A key that maps to nobody, or
 * a client with no server, cancels nothing. */
#ifndef CORRAL_POOLER_CANCEL_H
#define CORRAL_POOLER_CANCEL_H

#include <stdint.h>

struct corral;

struct server;

/* Forward the cancel for (pid, key) if it names a linked client. */
void cancel_route(struct corral *corral, uint32_t pid, uint32_t key);

/* Ask PostgreSQL to cancel what server s is running now (its client left
 * mid-query: without this the backend runs on, holding its locks, until it
 * next reads from the closed socket). */
void cancel_server(struct server *s);

#endif
