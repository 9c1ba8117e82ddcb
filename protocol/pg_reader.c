/* pg_reader: names of decoder results for logs and test failures. */
#include "protocol/pg_reader.h"

const char *pg_result_name(enum pg_result res)
{
	switch (res) {
	case PG_OK: return "ok";
	case PG_NEED_MORE: return "need more";
	case PG_ERR_LENGTH: return "bad length";
	case PG_ERR_FORMAT: return "malformed";
	}
	return "unknown result";
}
