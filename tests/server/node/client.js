// node-postgres against a running `hindsight serve`: a parameterized read,
// a select list with parameters, a transaction, an interval given by parameters, and an error with its
// SQLSTATE and position.
// usage: node client.js PORT
const { Client } = require('pg');
const Cursor = require('pg-cursor');

async function main() {
  const client = new Client({ host: '127.0.0.1', port: Number(process.argv[2]), user: 'node', database: 'x' });
  await client.connect();
  const read = await client.query('Syria diplomatic_relations $1 at $2 as of $3', ['Ukraine', '2025-10-01', '2025-01-01']);
  if (read.rows.length !== 1 || read.rows[0].value !== 'talks') throw new Error('read: ' + JSON.stringify(read.rows));
  if (!(read.rows[0].from instanceof Date) || read.rows[0].from.toISOString() !== '2024-12-30T00:00:00.000Z') {
    throw new Error('from: ' + read.rows[0].from);
  }
  if (read.rows[0].to !== Infinity) throw new Error('to: ' + read.rows[0].to);
  await client.query('BEGIN');
  await client.query('assert $1 $2 $3 = $4 from $5', ['Node', 'version', 'pg', 8, '2024']);
  await client.query('COMMIT');
  const count = await client.query('count Node * *');
  if (count.rows[0].count !== '1') throw new Error('count: ' + JSON.stringify(count.rows));
  // Both ends of an interval as parameters, a JavaScript Date among them.
  await client.query('assert Node span x = 1 from $1 to $2', [new Date('2020-01-01T00:00:00Z'), '2021-01-01']);
  const spans = await client.query('Node span * during [$1, $2)', ['2020-06-01', '2020-07-01']);
  if (spans.rows.length !== 1 || spans.rows[0].to.toISOString() !== '2021-01-01T00:00:00.000Z') {
    throw new Error('spans: ' + JSON.stringify(spans.rows));
  }
  // A select list with parameters: int4 as a number, timestamptz as a Date, a text parameter as text.
  const probe = await client.query('SELECT $1::int AS n, $2 AS s, now() AS t, current_database() AS db', [41, 'x']);
  const p = probe.rows[0];
  if (p.n !== 41 || p.s !== 'x' || !(p.t instanceof Date) || p.db !== 'x') throw new Error('probe: ' + JSON.stringify(p));
  try {
    await client.query('Syria * Ukraine at 2025-02-30');
    throw new Error('no error');
  } catch (e) {
    if (e.code !== '22007' || e.position !== '20') throw new Error('error: ' + e.code + ' ' + e.position + ' ' + e.message);
  }
  // pg-cursor, how node streams a big answer: Execute with a row limit, page by page.
  const whole = await client.query('Syria * *');
  const cursor = client.query(new Cursor('Syria * *'));
  const paged = [];
  for (let page = await cursor.read(2); page.length > 0; page = await cursor.read(2)) paged.push(...page);
  await cursor.close();
  if (whole.rows.length < 3 || JSON.stringify(paged) !== JSON.stringify(whole.rows)) {
    throw new Error('cursor: ' + paged.length + ' rows against ' + whole.rows.length);
  }
  // LISTEN: a second client's commit reaches this idle one as a notification.
  await client.query('LISTEN hindsight_commits');
  const told = new Promise((resolve) => client.once('notification', resolve));
  const writer = new Client({ host: '127.0.0.1', port: Number(process.argv[2]), user: 'node', database: 'x' });
  await writer.connect();
  await writer.query("begin source 'node writer'");
  await writer.query('assert Node listened x = 1 from 2020');
  await writer.query('COMMIT');
  const note = await told;
  const payload = JSON.parse(note.payload);
  if (note.channel !== 'hindsight_commits' || payload.source !== 'node writer' || payload.operations !== 1) {
    throw new Error('notification: ' + JSON.stringify(note));
  }
  // NOTIFY from the other client, on a channel of the application's.
  await client.query('UNLISTEN hindsight_commits');
  await client.query('LISTEN jobs');
  const job = new Promise((resolve) => client.once('notification', resolve));
  await writer.query("NOTIFY jobs, 'job 7 is ready'");
  await writer.end();
  const heard = await job;
  if (heard.channel !== 'jobs' || heard.payload !== 'job 7 is ready') {
    throw new Error('NOTIFY: ' + JSON.stringify(heard));
  }
  await client.end();
  console.log('node-postgres: parameterized read, transaction, error with SQLSTATE and position, pg-cursor, LISTEN, ' +
              'NOTIFY');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
