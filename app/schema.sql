-- app/schema.sql: corral-app's tables and data, loaded with
--   psql -v ON_ERROR_STOP=1 -d DB -f app/schema.sql
-- into an empty database (scripts/demo, bench/app.sh and the app tests do).
-- world and fortune follow the TechEmpower Framework Benchmarks' shape;
-- files is the app's own: which names /files/<name> may hand to nginx.

CREATE TABLE world (
	id integer PRIMARY KEY,
	randomnumber integer NOT NULL
);
INSERT INTO world (id, randomnumber)
SELECT i, 1 + floor(random() * 10000)::integer FROM generate_series(1, 10000) AS i;

-- Messages chosen to exercise /fortunes: markup and quotes that must be
-- escaped, non-ASCII text, and an order that differs from id order.
CREATE TABLE fortune (
	id integer PRIMARY KEY,
	message text NOT NULL
);
INSERT INTO fortune (id, message) VALUES
	(1, 'A queue with a deadline is a promise; a queue without one is a rumour.'),
	(2, 'Idle connections are cheap until there are ten thousand of them.'),
	(3, '<script>alert("fortunes must be escaped");</script>'),
	(4, 'Ben & Jerry''s "quoted" scoops'),
	(5, 'Ein Pool für alle Verbindungen.'),
	(6, 'プールは小さく、待ち行列は短く。'),
	(7, 'Backpressure beats a backlog.'),
	(8, '1 < 2 && 3 > 2'),
	(9, 'Retry-After is advice, not an insult.'),
	(10, 'Transactions end; sessions linger.'),
	(11, 'Zero-copy is the fastest copy.'),
	(12, 'Every request deserves an answer, even if it is 503.');

CREATE TABLE files (
	name text PRIMARY KEY,
	downloadable boolean NOT NULL
);
-- Both exist in app/files; only one may be downloaded.
INSERT INTO files (name, downloadable) VALUES
	('hello.txt', true),
	('secret.txt', false);

ANALYZE world;
ANALYZE fortune;
ANALYZE files;
