"""Python drivers through corral: psycopg2, psycopg 3 and psycopg_pool.

Run by tests/compat/compat_python.sh with Debian's /usr/bin/python3 (whose
python3-psycopg2, python3-psycopg and python3-psycopg-pool packages are the
drivers under test), once per pool mode:

    compat_python.py DATABASE MODE

DATABASE is the corral database (compat_transaction or compat_session) and
MODE its pool mode. Each case runs in COMPAT_CLIENTS threads at once, each
with its own connection and a random token in every value it checks, so an
answer meant for another client fails the case. Prints one "ok - CASE" or
"not ok - CASE: why" line per case; exits 1 when any case failed.
"""

import io
import os
import secrets
import sys
import threading
import traceback

import psycopg
import psycopg2
import psycopg2.errors
import psycopg_pool

CLIENTS = int(os.environ.get("COMPAT_CLIENTS", "20"))
TABLE = os.environ.get("COMPAT_TABLE", "compat_rows")


def conninfo(dbname):
    """A libpq conninfo for corral's TCP listener, as the harness user."""
    env = os.environ
    return (f"host={env['CORRAL_HOST']} port={env['CORRAL_PORT']} dbname={dbname} "
            f"user={env['PGUSER']} password={env['PGPASSWORD']} connect_timeout=5")


def expect(what, want, got):
    """Raises AssertionError naming `what` unless got == want."""
    if got != want:
        raise AssertionError(f"{what}: expected {want!r}, got {got!r}")


def run_case(name, case, dsn):
    """Runs case(dsn, token, client) in CLIENTS threads at once; prints the
    case's result line and returns True when every client passed."""
    errors = [None] * CLIENTS

    def client(i):
        try:
            case(dsn, secrets.token_hex(8), i)
        except Exception as e:  # the client's failure, whatever it was
            ours = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == __file__]
            errors[i] = f"{type(e).__name__} at line {ours[-1].lineno}: {e}".replace("\n", " ")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed = [(i, e) for i, e in enumerate(errors) if e is not None]
    if not failed:
        print(f"ok - {name}", flush=True)
        return True
    detail = " ".join(f"[client {i}: {e}]" for i, e in failed[:3])
    print(f"not ok - {name}: {len(failed)} of {CLIENTS} clients failed: {detail}", flush=True)
    return False


# --- psycopg2 ----------------------------------------------------------------

def pg2_orm_transactions(dsn, token, client):
    """What an ORM does: inserts with RETURNING in a transaction, a rollback
    that must leave nothing, a savepoint around a failing statement, an
    update, and `with conn:` blocks committing on exit."""
    conn = psycopg2.connect(dsn)
    try:
        cur = conn.cursor()
        ids = []
        for n in range(1, 6):
            cur.execute(f"INSERT INTO {TABLE} (token, n) VALUES (%s, %s) RETURNING id", (token, n))
            ids.append(cur.fetchone()[0])
        conn.commit()
        cur.execute(f"INSERT INTO {TABLE} (token, n) VALUES (%s, 100)", (token,))
        conn.rollback()
        cur.execute(f"SELECT count(*), sum(n) FROM {TABLE} WHERE token = %s", (token,))
        expect("rows after commit and rollback", (5, 15), cur.fetchone())
        cur.execute("SAVEPOINT sp")
        try:
            cur.execute(f"INSERT INTO {TABLE} (id, token, n) VALUES (%s, %s, 0)", (ids[0], token))
            raise AssertionError("a duplicate primary key was accepted")
        except psycopg2.errors.UniqueViolation:
            cur.execute("ROLLBACK TO SAVEPOINT sp")
        cur.execute(f"UPDATE {TABLE} SET payload = %s WHERE token = %s AND n = 1", ("first", token))
        expect("updated rows", 1, cur.rowcount)
        conn.commit()
        with conn:
            with conn.cursor() as c2:
                c2.execute(f"SELECT payload FROM {TABLE} WHERE id = %s", (ids[0],))
                expect("payload", ("first",), c2.fetchone())
        conn.autocommit = True
        cur.execute("SELECT %s::text || %s::text", (token, client))
        expect("autocommit select", (f"{token}{client}",), cur.fetchone())
    finally:
        conn.close()


def read_token_series(cur, token, n):
    """Runs the series 1..n tagged with token on cur (a named cursor, read
    in batches of its itersize) and checks every row and the sum."""
    cur.execute("SELECT g, %s::text FROM generate_series(1, %s) g", (token, n))
    total = 0
    for g, t in cur:
        expect("token in a cursor row", token, t)
        total += g
    expect("sum over the cursor", n * (n + 1) // 2, total)


def pg2_named_cursor(dsn, token, client):
    """A named (server-side) cursor read in batches inside a transaction,
    twice, and the connection's plain queries between them."""
    conn = psycopg2.connect(dsn)
    try:
        for round_ in range(2):
            cur = conn.cursor(name=f"c_{token}_{round_}")
            cur.itersize = 700
            read_token_series(cur, token, 5000)
            cur.close()
            conn.commit()
            plain = conn.cursor()
            plain.execute("SELECT %s", (f"{token}/{round_}",))
            expect("query after the cursor", (f"{token}/{round_}",), plain.fetchone())
            conn.commit()
    finally:
        conn.close()


def pg2_copy(dsn, token, client):
    """copy_expert in and out, in autocommit mode."""
    conn = psycopg2.connect(dsn)
    try:
        conn.autocommit = True
        cur = conn.cursor()
        data = "".join(f"{token}\t{n}\tpayload {n}\n" for n in range(1, 2001))
        cur.copy_expert(f"COPY {TABLE} (token, n, payload) FROM STDIN", io.StringIO(data))
        out = io.StringIO()
        cur.copy_expert(f"COPY (SELECT token, n, payload FROM {TABLE} WHERE token = '{token}' "
                        "ORDER BY n) TO STDOUT", out)
        expect("copied out equals copied in", data, out.getvalue())
    finally:
        conn.close()


def pg2_with_hold(dsn, token, client):
    """A WITH HOLD cursor read across commits (session pooling only: in
    transaction pooling the next transaction may run on another server)."""
    conn = psycopg2.connect(dsn)
    try:
        cur = conn.cursor(name=f"h_{token}", withhold=True)
        cur.execute("SELECT g FROM generate_series(1, 100) g")
        first = cur.fetchmany(10)
        conn.commit()
        rest = cur.fetchall()
        expect("rows through a held cursor", list(range(1, 101)), [r[0] for r in first + rest])
        cur.close()
    finally:
        conn.close()


# --- psycopg 3 ---------------------------------------------------------------

def pg3_statement(conn, token, k, n):
    """Runs query k (30 distinct texts) for parameter n; checks the answer."""
    row = conn.execute(f"SELECT %s::text || ':' || %s::int || ':q{k}'", (token, n)).fetchone()
    expect(f"query {k}", (f"{token}:{n}:q{k}",), row)


def pg3_default_threshold(dsn, token, client):
    """The default prepare_threshold (5): each query prepared on the server
    from its sixth run on, in autocommit mode (each run its own transaction)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for n in range(12):
            for k in range(3):
                pg3_statement(conn, token, k, n)


def pg3_threshold_zero(dsn, token, client):
    """prepare_threshold=0: every query a named prepared statement from its
    first run; 30 of them, in autocommit and inside transactions, and one
    forced with prepare=True."""
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=0) as conn:
        for n in range(3):
            for k in range(30):
                pg3_statement(conn, token, k, n)
            with conn.transaction():
                for k in range(0, 30, 7):
                    pg3_statement(conn, token, k, n + 100)
        row = conn.execute("SELECT %s::text || '!'", (token,), prepare=True).fetchone()
        expect("prepare=True", (f"{token}!",), row)


def pg3_eviction(dsn, token, client):
    """prepared_max=5 with prepare_threshold=0: psycopg evicts its oldest
    statement with DEALLOCATE each time a sixth is prepared."""
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=0) as conn:
        conn.prepared_max = 5
        for n in range(3):
            for k in range(20):
                pg3_statement(conn, token, k, n)


def pg3_rollback(dsn, token, client):
    """A ROLLBACK makes psycopg drop its statements (DEALLOCATE ALL); they
    are prepared again under new names and answer right."""
    with psycopg.connect(dsn, prepare_threshold=0) as conn:
        for n in range(4):
            pg3_statement(conn, token, 1, n)
            pg3_statement(conn, token, 2, n)
            try:
                own = -1 - 100 * client - n
                conn.execute(f"INSERT INTO {TABLE} (id, token, n) VALUES (%s, %s, 0), (%s, %s, 0)",
                             (own, token, own, token))
                raise AssertionError("a duplicate primary key was accepted")
            except psycopg.errors.UniqueViolation:
                conn.rollback()
            pg3_statement(conn, token, 1, n + 10)
            conn.commit()


def pg3_pipeline(dsn, token, client):
    """Pipeline mode with prepared statements, and executemany (which
    pipelines) inserting 200 rows."""
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=0) as conn:
        with conn.pipeline():
            curs = []
            for n in range(40):
                cur = conn.cursor()
                cur.execute(f"SELECT %s::text || ':' || %s::int || ':q{n % 4}'", (token, n))
                curs.append(cur)
        for n, cur in enumerate(curs):
            expect("pipelined answer", (f"{token}:{n}:q{n % 4}",), cur.fetchone())
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {TABLE} (token, n) VALUES (%s, %s)",
                            [(token, n) for n in range(200)])
            cur.execute(f"SELECT count(*), sum(n) FROM {TABLE} WHERE token = %s", (token,))
            expect("rows from executemany", (200, 199 * 200 // 2), cur.fetchone())


def pg3_server_cursor(dsn, token, client):
    """A server-side (named) cursor inside a transaction, read in batches."""
    with psycopg.connect(dsn, prepare_threshold=0) as conn:
        with conn.transaction():
            with conn.cursor(name=f"c_{token}") as cur:
                cur.itersize = 300
                read_token_series(cur, token, 3000)


def pg3_copy_binary(dsn, token, client):
    """COPY FROM STDIN with write_row, COPY TO STDOUT with rows(), and a
    query with binary parameters and results."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        with conn.cursor() as cur:
            with cur.copy(f"COPY {TABLE} (token, n, payload) FROM STDIN") as copy:
                for n in range(1, 1001):
                    copy.write_row((token, n, f"p{n}"))
            with cur.copy(f"COPY (SELECT n, payload FROM {TABLE} WHERE token = %s ORDER BY n) "
                          "TO STDOUT", (token,)) as copy:
                rows = list(copy.rows())
            expect("copied out", [(str(n), f"p{n}") for n in range(1, 1001)], rows)
            cur.execute("SELECT %s::bigint * 2, %s::text", (client, token), binary=True)
            expect("binary answer", (client * 2, token), cur.fetchone())


def pg3_pool(dsn, token, client):
    """psycopg_pool: each client thread borrows from one shared
    ConnectionPool (max 20, prepare_threshold=0) for 15 queries."""
    for n in range(15):
        with SHARED_POOL.connection() as conn:
            pg3_statement(conn, token, n % 6, n)
            with conn.transaction():
                pg3_statement(conn, token, (n + 1) % 6, n)


SHARED_POOL = None


def main():
    global SHARED_POOL
    dbname, mode = sys.argv[1], sys.argv[2]
    dsn = conninfo(dbname)
    cases = [
        ("psycopg2: ORM-like transactions, rollback, savepoint, autocommit", pg2_orm_transactions),
        ("psycopg2: named cursor in a transaction", pg2_named_cursor),
        ("psycopg2: copy_expert in and out", pg2_copy),
        ("psycopg 3: default prepare_threshold", pg3_default_threshold),
        ("psycopg 3: prepare_threshold=0, 30 statements", pg3_threshold_zero),
        ("psycopg 3: prepared_max=5, DEALLOCATE of evicted statements", pg3_eviction),
        ("psycopg 3: rollback, DEALLOCATE ALL, statements prepared again", pg3_rollback),
        ("psycopg 3: pipeline mode and executemany", pg3_pipeline),
        ("psycopg 3: server-side cursor in a transaction", pg3_server_cursor),
        ("psycopg 3: COPY in and out, binary parameters", pg3_copy_binary),
    ]
    if mode == "session":
        cases.append(("psycopg2: WITH HOLD cursor across commits", pg2_with_hold))
    ok = True
    for name, case in cases:
        ok = run_case(name, case, dsn) and ok
    SHARED_POOL = psycopg_pool.ConnectionPool(
        dsn, min_size=2, max_size=CLIENTS, open=True, timeout=30,
        kwargs={"autocommit": True, "prepare_threshold": 0})
    try:
        ok = run_case("psycopg_pool: ConnectionPool, 20 threads", pg3_pool, dsn) and ok
    finally:
        SHARED_POOL.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
