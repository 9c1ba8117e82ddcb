// node-postgres (npm's pg, pinned by package-lock.json) through corral.
// Run by tests/compat/compat_node.sh once per pool mode:
//     node compat_node.js DATABASE
// Each case runs COMPAT_CLIENTS clients at once (async tasks in this one
// process, each with its own connection or pool checkout and a random
// token in every value it checks, so an answer meant for another client
// fails the case). Prints one "ok - CASE" or "not ok - CASE: why" line per
// case; exits 1 when any case failed.
'use strict';

const crypto = require('crypto');
const pg = require('pg');

const CLIENTS = Number(process.env.COMPAT_CLIENTS || 20);
const TABLE = process.env.COMPAT_TABLE || 'compat_rows';
const config = {
  host: process.env.CORRAL_HOST,
  port: Number(process.env.CORRAL_PORT),
  database: process.argv[2],
  user: process.env.PGUSER,
  password: process.env.PGPASSWORD,
  connectionTimeoutMillis: 5000,
};

function expect(what, want, got) {
  const w = JSON.stringify(want);
  const g = JSON.stringify(got);
  if (w !== g) throw new Error(`${what}: expected ${w}, got ${g}`);
}

// Expects promise to fail with SQLSTATE code.
async function expectError(what, code, promise) {
  try {
    await promise;
  } catch (e) {
    if (e.code === code) return;
    throw new Error(`${what}: SQLSTATE ${e.code}, expected ${code} (${e.message})`);
  }
  throw new Error(`${what}: succeeded, expected SQLSTATE ${code}`);
}

// Statement k: the same text in every client for k < 3 (so one server-side
// statement serves them all), the client's own text otherwise.
function statement(token, k, n) {
  const own = k < 3 ? `q${k}` : `q${k}:${token}`;
  return {
    query: { name: `q${k}`, text: `SELECT $1::text || ':' || $2::int || ':${own}' AS v`, values: [token, n] },
    want: `${token}:${n}:${own}`,
  };
}

async function runStatement(queryable, token, k, n) {
  const s = statement(token, k, n);
  const r = await queryable.query(s.query);
  expect(`q${k}(${n})`, [s.want], r.rows.map((row) => row.v));
}

// Runs fn(token, i) for COMPAT_CLIENTS clients at once; prints the result.
async function runCase(name, fn) {
  const errors = await Promise.all(Array.from({ length: CLIENTS }, async (_, i) => {
    try {
      await fn(crypto.randomBytes(8).toString('hex'), i);
      return null;
    } catch (e) {
      return `[client ${i}: ${String(e.message).replace(/\n/g, ' ')}]`;
    }
  }));
  const failed = errors.filter((e) => e !== null);
  if (failed.length === 0) {
    console.log(`ok - ${name}`);
    return true;
  }
  console.log(`not ok - ${name}: ${failed.length} of ${CLIENTS} clients failed: ${failed.slice(0, 3).join(' ')}`);
  return false;
}

// Its own pg.Client: 6 named statements, 30 runs each on its own (a
// transaction each) and 3 rounds inside BEGIN/COMMIT.
async function clientNamed(token) {
  const c = new pg.Client(config);
  await c.connect();
  try {
    for (let n = 0; n < 30; n++) await runStatement(c, token, n % 6, n);
    for (let n = 0; n < 3; n++) {
      await c.query('BEGIN');
      for (let k = 0; k < 6; k++) await runStatement(c, token, k, 100 + n);
      await c.query('COMMIT');
    }
  } finally {
    await c.end();
  }
}

// Errors around named statements: a bad parameter fails only its run; in
// a transaction an error fails what follows (25P02) until ROLLBACK; the
// statements work afterwards.
async function clientNamedErrors(token) {
  const c = new pg.Client(config);
  await c.connect();
  try {
    await runStatement(c, token, 4, 1);
    const bad = statement(token, 4, 0).query;
    await expectError('bad parameter', '22P02', c.query({ ...bad, values: [token, 'x'] }));
    await runStatement(c, token, 4, 2);
    await c.query('BEGIN');
    await runStatement(c, token, 5, 3);
    await expectError('division by zero', '22012', c.query({ name: 'div', text: 'SELECT 1 / $1::int AS v', values: [0] }));
    await expectError('in a failed transaction', '25P02', c.query(statement(token, 4, 4).query));
    await c.query('ROLLBACK');
    await runStatement(c, token, 4, 5);
    const r = await c.query({ name: 'div', text: 'SELECT 1 / $1::int AS v', values: [1] });
    expect('div(1)', [1], r.rows.map((row) => row.v));
  } finally {
    await c.end();
  }
}

// One pg.Pool of 20 connections shared by all clients: each client runs
// 15 rounds of a named and an unnamed query on whichever connection the
// pool hands it.
let sharedPool;
async function poolQueries(token, i) {
  for (let n = 0; n < 15; n++) {
    await runStatement(sharedPool, token, (n + i) % 6, n);
    const r = await sharedPool.query('SELECT $1::text || $2::text AS v', [token, String(n)]);
    expect('unnamed query', [`${token}${n}`], r.rows.map((row) => row.v));
  }
}

// pool.connect() for a transaction: rows inserted with a named statement,
// counted with another, committed, then counted again on any connection.
async function poolTransaction(token) {
  const c = await sharedPool.connect();
  try {
    await c.query('BEGIN');
    for (let n = 1; n <= 10; n++) {
      await c.query({ name: 'ins', text: `INSERT INTO ${TABLE} (token, n) VALUES ($1, $2)`, values: [token, n] });
    }
    const r = await c.query({ name: 'cnt', text: `SELECT count(*)::int AS c, sum(n)::int AS s FROM ${TABLE} WHERE token = $1`, values: [token] });
    expect('inside the transaction', [{ c: 10, s: 55 }], r.rows);
    await c.query('COMMIT');
  } finally {
    c.release();
  }
  const r = await sharedPool.query({ name: 'cnt', text: `SELECT count(*)::int AS c, sum(n)::int AS s FROM ${TABLE} WHERE token = $1`, values: [token] });
  expect('after COMMIT', [{ c: 10, s: 55 }], r.rows);
}

// 20,000 rows from a named statement in array row mode.
async function poolLarge(token) {
  const r = await sharedPool.query({
    name: 'large', text: 'SELECT g, $1::text AS t FROM generate_series(1, 20000) g', values: [token], rowMode: 'array',
  });
  let sum = 0;
  for (const [g, t] of r.rows) {
    if (t !== token) throw new Error(`a row with token ${t}`);
    sum += g;
  }
  expect('rows and sum', [20000, 20000 * 20001 / 2], [r.rows.length, sum]);
}

async function main() {
  let ok = true;
  ok = await runCase('pg.Client: named prepared statements, across transactions', clientNamed) && ok;
  ok = await runCase('pg.Client: errors around named statements', clientNamedErrors) && ok;
  sharedPool = new pg.Pool({ ...config, max: CLIENTS });
  try {
    ok = await runCase('pg.Pool (max 20): named and unnamed queries', poolQueries) && ok;
    ok = await runCase('pg.Pool: transactions with named statements via pool.connect()', poolTransaction) && ok;
    ok = await runCase('pg.Pool: 20,000-row named query, rowMode array', poolLarge) && ok;
  } finally {
    await sharedPool.end();
  }
  return ok ? 0 : 1;
}

main().then((rc) => { process.exitCode = rc; }, (e) => {
  console.log(`not ok - compat_node.js: ${e.stack}`);
  process.exitCode = 1;
});
