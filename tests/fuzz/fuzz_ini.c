/* fuzz_ini: libFuzzer target for config/: the input is ini text. It goes
 * through cfg_ini_parse_buffer with a callback that hands every entry to
 * the parser of its section (cfg_settings_set, cfg_database_parse,
 * cfg_user_parse), so value parsing is fuzzed along with the line syntax,
 * and then through cfg_load_buffer, the whole snapshot pipeline. Buffers
 * refuse %include, so nothing here touches the file system. Checked: every
 * failure says why; a failed set leaves the setting as it was; a setting's
 * formatted value sets back to itself; a loaded snapshot finds each of its
 * entries and differs from itself in nothing. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "config/cfg.h"
#include "config/cfg_database.h"
#include "config/cfg_error.h"
#include "config/cfg_ini.h"
#include "config/cfg_settings.h"
#include "config/cfg_user.h"
#include "tests/fuzz/fuzz.h"
#include "util/xalloc.h"

/* What the buffer is called in errors. */
#define NAME "fuzz.ini"

/* e's current value in s, as an owned copy. */
static char *format_copy(const struct cfg_settings *s, const struct cfg_setting *e)
{
	char buf[CFG_SETTING_FMT_SIZE];
	return xstrdup(cfg_setting_format(s, e, buf));
}

/* cfg_settings_set on one [pgbouncer] entry, with its invariants. */
static void fuzz_setting(struct cfg_settings *s, const char *key, const char *value)
{
	const struct cfg_setting *e = cfg_setting_find(key);
	char *before = e ? format_copy(s, e) : NULL;
	char why[256] = "";
	if (cfg_settings_set(s, key, value, why, sizeof why) < 0) {
		FUZZ_CHECK(why[0] != '\0');
		if (e != NULL) {
			char *after = format_copy(s, e);
			FUZZ_CHECK(strcmp(before, after) == 0);
			free(after);
		}
		free(before);
		return;
	}
	FUZZ_CHECK(e != NULL);
	/* Formatting is the inverse of parsing: the text sets the same value. */
	char *text = format_copy(s, e);
	FUZZ_CHECK(cfg_settings_set(s, key, text, why, sizeof why) == 0);
	char *again = format_copy(s, e);
	FUZZ_CHECK(strcmp(text, again) == 0);
	free(again);
	free(text);
	free(before);
}

static void fuzz_database(const char *key, const char *value)
{
	struct cfg_database db, copy;
	char why[256] = "";
	if (cfg_database_parse(key, value, &db, why, sizeof why) < 0) {
		FUZZ_CHECK(why[0] != '\0');
		return;
	}
	FUZZ_CHECK(strcmp(db.name, key) == 0 && db.port >= 1 && db.port <= 65535);
	FUZZ_CHECK((db.host == NULL) == (db.host_count == 0));
	FUZZ_CHECK(cfg_database_compare(&db, &db) == 0);
	cfg_database_instantiate(&db, "fuzzdb", &copy);
	FUZZ_CHECK(strcmp(copy.name, "fuzzdb") == 0);
	cfg_database_fini(&copy);
	cfg_database_fini(&db);
}

static void fuzz_user(const char *key, const char *value)
{
	struct cfg_user u;
	char why[256] = "";
	if (cfg_user_parse(key, value, &u, why, sizeof why) < 0) {
		FUZZ_CHECK(why[0] != '\0');
		return;
	}
	FUZZ_CHECK(strcmp(u.name, key) == 0 && cfg_user_equal(&u, &u));
	cfg_user_fini(&u);
}

/* cfg_ini_entry_fn: checks the entry and passes it on; never stops the
 * parse, so every line of the input is reached. */
static int on_entry(void *ctx, const struct cfg_ini_entry *e, struct cfg_error *err)
{
	struct cfg_settings *s = ctx;
	FUZZ_CHECK(e->key[0] != '\0' && e->line >= 1 && strcmp(e->file, NAME) == 0);
	switch (e->section) {
	case CFG_INI_PGBOUNCER:
		fuzz_setting(s, e->key, e->value);
		break;
	case CFG_INI_DATABASES:
		fuzz_database(e->key, e->value);
		break;
	case CFG_INI_USERS:
		fuzz_user(e->key, e->value);
		break;
	default:
		abort();   /* cfg_ini delivered a section it does not define */
	}
	return 0;
}

static void fuzz_ini_parse(const char *text, size_t len)
{
	struct cfg_settings s;
	cfg_settings_init(&s);
	struct cfg_error err;
	memset(&err, 0, sizeof err);
	if (cfg_ini_parse_buffer(text, len, NAME, on_entry, &s, &err) < 0)
		FUZZ_CHECK(err.msg[0] != '\0' && strcmp(err.file, NAME) == 0);
	cfg_settings_fini(&s);
}

/* cfg_change_fn: every difference must describe itself. */
static void on_change(void *ctx, const struct cfg_change *change)
{
	size_t *count = ctx;
	char line[1024] = "";
	cfg_change_describe(change, line, sizeof line);
	FUZZ_CHECK(line[0] != '\0' && change->name != NULL);
	(*count)++;
}

/* cfg_load_buffer on text; NULL when it does not load. */
static struct cfg *load(const char *text, size_t len)
{
	struct cfg *cfg = NULL;
	struct cfg_error err;
	memset(&err, 0, sizeof err);
	if (cfg_load_buffer(text, len, NAME, &cfg, &err) < 0) {
		FUZZ_CHECK(cfg == NULL && err.msg[0] != '\0');
		return NULL;
	}
	return cfg;
}

/* The input as a whole configuration, compared with a minimal one as a
 * reload would compare them. */
static void fuzz_load(const char *text, size_t len)
{
	static const char minimal[] = "[pgbouncer]\nauth_type = trust\n";
	struct cfg *cfg = load(text, len);
	if (cfg == NULL)
		return;
	FUZZ_CHECK(cfg->auth_file_path == NULL);
	for (size_t i = 0; i < cfg->database_count; i++)
		FUZZ_CHECK(cfg_find_database(cfg, cfg->databases[i].name) == &cfg->databases[i]);
	for (size_t i = 0; i < cfg->user_count; i++)
		FUZZ_CHECK(cfg_find_user(cfg, cfg->users[i].name) == &cfg->users[i]);
	FUZZ_CHECK(cfg_diff(cfg, cfg, NULL, NULL) == 0);
	struct cfg *base = load(minimal, strlen(minimal));
	FUZZ_CHECK(base != NULL);
	size_t changes = 0;
	FUZZ_CHECK(cfg_diff(base, cfg, on_change, &changes) == changes);
	cfg_free(base);
	cfg_free(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ini_parse((const char *)data, size);
	fuzz_load((const char *)data, size);
	return 0;
}
