/* cfg_ini: reading ini text line by line, following %include, reporting
 * each key/value to the caller (see cfg_ini.h). It owns the line syntax and
 * the include rules (depth, loops, paths); meanings of keys live elsewhere. */
#include "config/cfg_ini.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"

/* A file being read. Frames chain from the innermost include back to the
 * top file, on the C stack, so a loop is found by walking the chain. */
struct frame {
	const char *path;
	dev_t dev;
	ino_t ino;
	const struct frame *parent;
};

/* One parse: the caller's callbacks and the state that carries across
 * included files (the current section). */
struct reader {
	cfg_ini_entry_fn *on_entry;
	cfg_ini_file_fn *on_file;
	void *ctx;
	struct cfg_error *err;
	bool allow_include;
	bool in_section;
	enum cfg_ini_section section;
	char *scratch;   /* CFG_INI_MAX_LINE + 1 bytes: the current line, NUL-terminated */
};

static const struct {
	const char *name;
	enum cfg_ini_section section;
} section_names[] = {
	{ "databases", CFG_INI_DATABASES },
	{ "users", CFG_INI_USERS },
	{ "pgbouncer", CFG_INI_PGBOUNCER },
	{ "corral", CFG_INI_PGBOUNCER },
};

const char *cfg_ini_section_name(enum cfg_ini_section section)
{
	switch (section) {
	case CFG_INI_DATABASES:
		return "databases";
	case CFG_INI_USERS:
		return "users";
	case CFG_INI_PGBOUNCER:
	default:
		return "pgbouncer";
	}
}

static char *skip_blanks(char *p)
{
	while (*p && isspace((unsigned char)*p))
		p++;
	return p;
}

/* Cut trailing blanks off the NUL-terminated string starting at s. */
static void trim_end(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

static int parse_text(struct reader *r, const char *text, size_t len, const struct frame *fr,
		      int depth);

/* Read all of the file at fd into a NUL-terminated heap buffer (*text,
 * owned by the caller on success). Returns 0, or -1 with errno set (EFBIG
 * when the file exceeds CFG_INI_MAX_FILE). */
static int read_all(int fd, char **text, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			if (cap >= CFG_INI_MAX_FILE) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int saved = errno;
			free(buf);
			errno = saved;
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* Open, check and parse the file at path. from is the frame of the file
 * whose %include names it (NULL for the top file) and from_line that line:
 * errors about opening or including the file point there, since that is
 * what the operator must fix. Returns 0 or -1 with r->err set. */
static int parse_path(struct reader *r, const char *path, const struct frame *from, int from_line,
		      int depth)
{
	const char *at = from ? from->path : path;
	const char *what = from ? "include file " : "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return cfg_error_set(r->err, at, from_line, "cannot open %s'%s': %s", what, path,
				     strerror(errno));
	if (fstat(fd, &st) < 0) {
		int saved = errno;
		close(fd);
		return cfg_error_set(r->err, at, from_line, "cannot stat %s'%s': %s", what, path,
				     strerror(saved));
	}
	for (const struct frame *f = from; f; f = f->parent) {
		if (f->dev == st.st_dev && f->ino == st.st_ino) {
			close(fd);
			return cfg_error_set(r->err, at, from_line,
					     "include loop: '%s' is already being read", path);
		}
	}
	char *text;
	size_t len;
	int rc = read_all(fd, &text, &len);
	int saved = errno;
	close(fd);
	if (rc < 0)
		return cfg_error_set(r->err, at, from_line, "cannot read %s'%s': %s", what, path,
				     saved == EFBIG ? "file larger than 16 MiB" : strerror(saved));
	if (r->on_file)
		r->on_file(r->ctx, path);
	struct frame fr = { .path = path, .dev = st.st_dev, .ino = st.st_ino, .parent = from };
	rc = parse_text(r, text, len, &fr, depth);
	free(text);
	return rc;
}

char *cfg_ini_resolve_path(const char *base, const char *name)
{
	const char *slash = strrchr(base, '/');
	if (name[0] == '/' || slash == NULL)
		return xstrdup(name);
	size_t dir_len = (size_t)(slash - base) + 1;
	char *path = xmalloc(dir_len + strlen(name) + 1);
	memcpy(path, base, dir_len);
	strcpy(path + dir_len, name);
	return path;
}

/* `%include name` at fr:line. name is resolved against the directory of
 * fr->path unless absolute. */
static int parse_include(struct reader *r, char *name, const struct frame *fr, int line,
			 int depth)
{
	if (!r->allow_include)
		return cfg_error_set(r->err, fr->path, line,
				     "%%include is not allowed in configuration text given in memory");
	if (*name == '\0')
		return cfg_error_set(r->err, fr->path, line, "%%include needs a file name");
	if (depth >= CFG_INI_MAX_DEPTH)
		return cfg_error_set(r->err, fr->path, line,
				     "%%include nested deeper than %d levels", CFG_INI_MAX_DEPTH);
	char *path = cfg_ini_resolve_path(fr->path, name);
	int rc = parse_path(r, path, fr, line, depth + 1);
	free(path);
	return rc;
}

/* `[name]` at p (which starts with '['). */
static int parse_section(struct reader *r, char *p, const char *file, int line)
{
	char *close = strchr(p, ']');
	if (close == NULL)
		return cfg_error_set(r->err, file, line,
				     "unterminated section header '%.64s' (expected ']')", p);
	char *rest = skip_blanks(close + 1);
	if (*rest != '\0')
		return cfg_error_set(r->err, file, line,
				     "unexpected '%.64s' after the section header (expected the end of the line)",
				     rest);
	*close = '\0';
	char *name = skip_blanks(p + 1);
	trim_end(name);
	for (size_t i = 0; i < sizeof section_names / sizeof section_names[0]; i++) {
		if (strcasecmp(name, section_names[i].name) == 0) {
			r->in_section = true;
			r->section = section_names[i].section;
			return 0;
		}
	}
	return cfg_error_set(r->err, file, line,
			     "unknown section [%.64s] (expected [databases], [users], [pgbouncer] or [corral])",
			     name);
}

/* Unquote the key starting at p (on the opening '"') in place, "" standing
 * for one quote. Returns the byte after the closing quote, or NULL (p
 * untouched, so the error can quote it) when the quote is not closed. */
static char *unquote_key(char *p)
{
	char *end = p + 1;
	while (*end && (*end != '"' || end[1] == '"'))
		end += *end == '"' ? 2 : 1;
	if (*end == '\0')
		return NULL;
	char *w = p;
	for (char *r = p + 1; r < end; r++) {
		if (*r == '"')
			r++;
		*w++ = *r;
	}
	*w = '\0';
	return end + 1;
}

/* `key = value` at p (first byte not blank, the line trimmed at its end). */
static int parse_entry(struct reader *r, char *p, const char *file, int line)
{
	char *key = p, *key_end;
	if (*p == '"') {
		p = unquote_key(p);
		if (p == NULL)
			return cfg_error_set(r->err, file, line,
					     "unterminated quoted name %.64s (expected a closing '\"')",
					     key);
		if (*key == '\0')
			return cfg_error_set(r->err, file, line, "empty quoted name");
		key_end = NULL;
	} else {
		while (*p && *p != '=' && *p != '"' && !isspace((unsigned char)*p))
			p++;
		if (p == key)
			return cfg_error_set(r->err, file, line,
					     "missing name before '=' (expected 'key = value')");
		key_end = p;
	}
	p = skip_blanks(p);
	if (*p != '=')
		return cfg_error_set(r->err, file, line,
				     "expected '=' after '%.*s' (a line holds '[section]', 'key = value', "
				     "'%%include file' or a comment starting with ';' or '#')",
				     key_end ? (int)(key_end - key) : 64, key);
	if (key_end)
		*key_end = '\0';
	if (!r->in_section)
		return cfg_error_set(r->err, file, line,
				     "'%.64s' is outside any section (expected [databases], [users] or "
				     "[pgbouncer] before it)", key);
	struct cfg_ini_entry e = {
		.section = r->section,
		.key = key,
		.value = skip_blanks(p + 1),
		.file = file,
		.line = line,
	};
	return r->on_entry(r->ctx, &e, r->err);
}

/* One line, NUL-terminated in r->scratch (may be overwritten by includes). */
static int parse_line(struct reader *r, char *p, const struct frame *fr, int line, int depth)
{
	p = skip_blanks(p);
	trim_end(p);
	switch (*p) {
	case '\0':
	case ';':
	case '#':
		return 0;
	case '[':
		return parse_section(r, p, fr->path, line);
	case '%': {
		char *word_end = p;
		while (*word_end && !isspace((unsigned char)*word_end))
			word_end++;
		if ((size_t)(word_end - p) != strlen("%include") || strncmp(p, "%include", 8) != 0)
			return cfg_error_set(r->err, fr->path, line,
					     "unknown directive '%.*s' (expected %%include)",
					     (int)(word_end - p), p);
		return parse_include(r, skip_blanks(word_end), fr, line, depth);
	}
	default:
		return parse_entry(r, p, fr->path, line);
	}
}

/* Split text into lines, check each for NUL bytes and length, parse it. */
static int parse_text(struct reader *r, const char *text, size_t len, const struct frame *fr,
		      int depth)
{
	size_t pos = 0;
	int line = 0;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + (nl != NULL);
		line++;
		if (memchr(start, '\0', n) != NULL)
			return cfg_error_set(r->err, fr->path, line,
					     "NUL byte in the line (expected text)");
		if (n > CFG_INI_MAX_LINE)
			return cfg_error_set(r->err, fr->path, line,
					     "line longer than %d bytes", CFG_INI_MAX_LINE);
		memcpy(r->scratch, start, n);
		r->scratch[n] = '\0';
		if (parse_line(r, r->scratch, fr, line, depth) < 0)
			return -1;
	}
	return 0;
}

static void reader_init(struct reader *r, cfg_ini_entry_fn *on_entry, cfg_ini_file_fn *on_file,
			void *ctx, struct cfg_error *err, bool allow_include)
{
	*r = (struct reader){
		.on_entry = on_entry,
		.on_file = on_file,
		.ctx = ctx,
		.err = err,
		.allow_include = allow_include,
		.scratch = xmalloc(CFG_INI_MAX_LINE + 1),
	};
}

int cfg_ini_parse_file(const char *path, cfg_ini_entry_fn *on_entry, cfg_ini_file_fn *on_file,
		       void *ctx, struct cfg_error *err)
{
	struct reader r;
	reader_init(&r, on_entry, on_file, ctx, err, true);
	int rc = parse_path(&r, path, NULL, 0, 0);
	free(r.scratch);
	return rc;
}

int cfg_ini_parse_buffer(const char *text, size_t len, const char *name_for_errors,
			 cfg_ini_entry_fn *on_entry, void *ctx, struct cfg_error *err)
{
	struct reader r;
	reader_init(&r, on_entry, NULL, ctx, err, false);
	struct frame fr = { .path = name_for_errors };
	int rc = parse_text(&r, text, len, &fr, 0);
	free(r.scratch);
	return rc;
}
