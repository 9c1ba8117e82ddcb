/* cancel: routing a client's CancelRequest, and keeping a late one from
 * reaching the wrong query. The key a client holds is corral's own
 * (cancel_map); the request goes to the server that client is linked to,
 * with that server's key, on a new connection to PostgreSQL. PostgreSQL
 * signals the backend some milliseconds later (a connection and a fork
 * away) and then closes that connection: until it has, the server counts
 * the request in s->cancels and is not handed to anyone else (server.c
 * parks it in SERVER_ST_BEING_CANCELED), and the connection the cancel
 * came on stays open, so a client that waits for it to close (libpq's
 * PQcancel does) knows PostgreSQL has acted. A request that PostgreSQL
 * does not confirm within server_connect_timeout closes its server. A key
 * that maps to nobody, or a client with no query running, cancels
 * nothing. Requests in flight are owned by corral->cancels. */
#ifndef CORRAL_POOLER_CANCEL_H
#define CORRAL_POOLER_CANCEL_H

#include <stdint.h>

struct corral;
struct pool;
struct server;

/* Forward the cancel for (pid, key) if it names a client with a query
 * running. requester_fd is the socket the CancelRequest came on (-1: none
 * to hold): when the cancel is forwarded, a duplicate of it stays open
 * until PostgreSQL has handled the request; the caller closes its own. */
void cancel_route(struct corral *corral, uint32_t pid, uint32_t key, int requester_fd);

/* Ask PostgreSQL to cancel what server s is running now (its client left
 * mid-query: without this the backend runs on, holding its locks, until it
 * next reads from the closed socket). Counts in s->cancels like a client's. */
void cancel_server(struct server *s);

/* s is closing: its requests in flight carry on (the backend still has to
 * stop) but no longer refer to it. */
void cancel_forget_server(struct server *s);

/* For SHOW POOLS: requests in flight for p's servers, and how many of them
 * hold the connection of the client that asked. */
void cancel_count(const struct corral *corral, const struct pool *p, int *requests,
		  int *requesters);

/* Drop every request in flight without waiting (corral is exiting; their
 * servers are closed already). */
void cancel_free_all(struct corral *corral);

#endif
