/* it_raw: a raw TCP connection to corral for the bytes libpq never sends
 * (malformed startup packets, oversized lengths, garbage, forged cancel
 * keys) and for reading corral's answers message by message. This header
 * exposes no protocol/ types: libpq's `struct pg_result` and protocol/'s
 * `enum pg_result` cannot meet in one file, and tests use both. */
#ifndef CORRAL_TESTS_INTEGRATION_IT_RAW_H
#define CORRAL_TESTS_INTEGRATION_IT_RAW_H

#include <stddef.h>
#include <stdint.h>

struct it_raw {
	int fd;
	uint8_t in[65536];        /* received bytes not yet handed out */
	size_t len;               /* bytes in `in` */
	size_t used;              /* bytes of `in` the current message occupies */
	uint8_t type;             /* the last message it_raw_next read; 0 at EOF */
	const uint8_t *body;      /* its body, inside `in` until the next read */
	size_t body_len;
	uint32_t key_pid, key_secret; /* BackendKeyData it_raw_wait_ready passed, else 0 */
};

/* Connects to CORRAL_HOST:CORRAL_PORT. */
void it_raw_open(struct it_raw *r);
void it_raw_close(struct it_raw *r);
/* Sends all n bytes; fails the test when corral refuses them. */
void it_raw_send(struct it_raw *r, const void *data, size_t n);
/* Sends a v3 StartupMessage with user and database. */
void it_raw_send_startup(struct it_raw *r, const char *dbname, const char *user);
/* Sends a CancelRequest for (pid, key). */
void it_raw_send_cancel(struct it_raw *r, uint32_t pid, uint32_t key);
/* Reads one byte outside message framing (the answer to SSLRequest). */
uint8_t it_raw_byte(struct it_raw *r);
/* Reads the next typed message into r->type/body and returns its type, or
 * 0 when corral closed the connection. Fails the test when nothing comes
 * within IT_WAIT_MS or the bytes are not a message. */
uint8_t it_raw_next(struct it_raw *r);
/* it_raw_send_startup, then answers a cleartext password request with
 * `password` (scripts using this run corral with auth_type = plain).
 * Returns with r->type the first message that is not an authentication
 * request (0 at EOF). */
void it_raw_login(struct it_raw *r, const char *dbname, const char *user,
		  const char *password);
/* The current message must be a FATAL ErrorResponse as it_check_diag
 * describes, and corral must then close the connection within 2 s. */
void it_raw_expect_error(struct it_raw *r, const char *sqlstates, const char *part);
/* Fails unless corral closes the connection within ms; messages before
 * the close are skipped. Returns how long the close took, in ms. */
int64_t it_raw_expect_eof(struct it_raw *r, int ms);
/* Skips ParameterStatus, BackendKeyData (kept in key_pid, key_secret) and
 * notices from the current message on; fails unless ReadyForQuery comes
 * (an error names itself). */
void it_raw_wait_ready(struct it_raw *r);
/* Sends a simple Query. */
void it_raw_send_query(struct it_raw *r, const char *sql);
/* Reads the query's replies up to its ReadyForQuery, within ms; fails on
 * a close or a timeout. sqlstate gets the SQLSTATE of the first error, or
 * "" when none came. */
void it_raw_query_end(struct it_raw *r, int ms, char sqlstate[6]);

#endif
