/* admin_result: the console's result sets and errors as protocol messages
 * (see admin_priv.h). Rows are built one cell at a time so each SHOW reads
 * as its column list; the messages themselves come from pg_backend. */
#include "pooler/admin_priv.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pooler/log.h"
#include "protocol/pg_backend.h"

void admin_result_begin(struct admin_result *r, struct pg_buf *out,
			const struct admin_column *columns, size_t n)
{
	const char *names[ADMIN_MAX_COLUMNS];
	uint32_t types[ADMIN_MAX_COLUMNS];
	if (n > ADMIN_MAX_COLUMNS)
		abort();
	r->out = out;
	r->columns = columns;
	r->count = (uint16_t)n;
	r->filled = 0;
	for (size_t i = 0; i < n; i++) {
		names[i] = columns[i].name;
		types[i] = columns[i].type_oid;
	}
	pg_backend_put_row_description(out, names, types, r->count);
}

/* The next cell's slot; a row longer than the columns is a bug. */
static size_t next_cell(struct admin_result *r)
{
	if (r->filled >= r->count) {
		log_error("bug: admin result row has more cells than its %u columns (%s first)",
			  r->count, r->columns[0].name);
		abort();
	}
	return r->filled++;
}

void admin_cell_text(struct admin_result *r, const char *s)
{
	r->cells[next_cell(r)] = s;
}

void admin_cell_textf(struct admin_result *r, const char *fmt, ...)
{
	size_t i = next_cell(r);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->scratch[i], ADMIN_CELL_SIZE, fmt, ap);
	va_end(ap);
	r->cells[i] = r->scratch[i];
}

void admin_cell_int(struct admin_result *r, int64_t v)
{
	admin_cell_textf(r, "%" PRId64, v);
}

void admin_cell_uint(struct admin_result *r, uint64_t v)
{
	admin_cell_textf(r, "%" PRIu64, v);
}

void admin_cell_time(struct admin_result *r, uint64_t wall_us)
{
	if (wall_us == 0) {
		admin_cell_text(r, NULL);
		return;
	}
	time_t t = (time_t)(wall_us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t i = next_cell(r);
	strftime(r->scratch[i], ADMIN_CELL_SIZE, "%Y-%m-%d %H:%M:%S UTC", &tm);
	r->cells[i] = r->scratch[i];
}

void admin_row_end(struct admin_result *r)
{
	if (r->filled != r->count) {
		log_error("bug: admin result row has %u cells for %u columns (%s first)", r->filled,
			  r->count, r->columns[0].name);
		abort();
	}
	pg_backend_put_data_row(r->out, r->cells, NULL, r->count);
	r->filled = 0;
}

void admin_result_end(struct admin_result *r)
{
	pg_backend_put_command_complete(r->out, "SHOW");
}

void admin_error(struct pg_buf *out, const char *sqlstate, const char *fmt, ...)
{
	char message[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	log_warning("admin console: %s", message);
	struct pg_backend_diag d = { .severity = "ERROR", .sqlstate = sqlstate, .message = message };
	pg_backend_put_error(out, &d);
}
