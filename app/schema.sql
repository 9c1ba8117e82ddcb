-- app/schema.sql: corral-app's tables and data, loaded with
--   psql -v ON_ERROR_STOP=1 -d DB -f app/schema.sql
-- into an empty database (scripts/demo, bench/app.sh and the app tests do).
-- world and fortune follow the TechEmpower Framework Benchmarks' shape;
-- files is the app's own: which names /files/<name> may hand to nginx;
-- channels, members and messages are the chat's (/events/, /messages/).

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

-- Who may read and post in which channel. A user is only a name here:
-- corral-app takes it from the user= query parameter (docs/app.md).
CREATE TABLE channels (
	name text PRIMARY KEY
);
CREATE TABLE members (
	channel text NOT NULL REFERENCES channels (name),
	username text NOT NULL,
	PRIMARY KEY (channel, username)
);
INSERT INTO channels (name) VALUES ('lobby'), ('staff');
INSERT INTO members (channel, username) VALUES
	('lobby', 'alice'),
	('lobby', 'bob'),
	('lobby', 'carol'),
	('staff', 'alice');

-- The chat's history: nchan pushes a message to the browsers listening
-- now; this table is where it stays.
CREATE TABLE messages (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	channel text NOT NULL REFERENCES channels (name),
	author text NOT NULL,
	body text NOT NULL,
	sent_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_channel_id ON messages (channel, id);

ANALYZE world;
ANALYZE fortune;
ANALYZE files;
ANALYZE channels;
ANALYZE members;
