#!/usr/bin/python3
"""`hindsight serve` with real clients: psql, psycopg2, psycopg 3,
SQLAlchemy and pandas, node-postgres, JDBC and pgbench, fifty concurrent clients checked against a
database built from the same transactions, and the clients a server must
survive: wrong passwords, clear text when TLS is required, too many
connections, clients that vanish mid-transaction or never read, cancels,
SIGTERM under load, and random, truncated and oversized messages.

Every server listens on a private port on 127.0.0.1 in a private
directory and is stopped by its own pid, also when a check fails.

usage: server_test.py HINDSIGHT   (run by Debian's python3, which has psycopg)
"""
import asyncio
import datetime
import decimal
import io
import json
import os
import pty
import random
import re
import resource
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid

import asyncpg
import pandas
import psycopg
import psycopg2
import psycopg2.errors
import sqlalchemy

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
TOOL = None
WORK = None
SERVERS = []


class Server:
    """`hindsight serve` on a free loopback port, stopped by its pid."""

    def __init__(self, db, *args, env=None, max_files=None, port=0, host='127.0.0.1'):
        def limit_files():
            if max_files is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (max_files, max_files))
        self.proc = subprocess.Popen([TOOL, 'serve', '--listen', '%s:%d' % (host, port), *args, db],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                     preexec_fn=limit_files)
        SERVERS.append(self)
        ready, _, _ = select.select([self.proc.stdout], [], [], 20)
        line = self.proc.stdout.readline() if ready else ''
        m = re.search(r'on 127\.0\.0\.1:(\d+)', line)
        if not m:
            self.proc.kill()
            raise AssertionError('server did not start: %r %r' % (line, self.proc.stderr.read()))
        self.port = int(m.group(1))
        self.ready_line = line

    def cpu_seconds(self):
        with open('/proc/%d/stat' % self.proc.pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

    def rss_kb(self):
        with open('/proc/%d/status' % self.proc.pid) as f:
            return int(re.search(r'VmRSS:\s+(\d+)', f.read()).group(1))

    def stop(self, timeout=40):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError('server did not stop on SIGTERM')
        SERVERS.remove(self)
        if status != 0:
            print('server exited with %d: %s' % (status, self.proc.stderr.read()[-2000:]), flush=True)
        return status

    def dsn(self, user='tester', **extra):
        parts = {'host': '127.0.0.1', 'port': str(self.port), 'user': user, 'dbname': 'hindsight'}
        parts.update(extra)
        return ' '.join('%s=%s' % kv for kv in parts.items())


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=kw.pop('timeout', 120), **kw)


def new_db(name, demo=True):
    db = os.path.join(WORK, name)
    if demo:
        r = run([TOOL, 'import', db, os.path.join(SOURCE, 'demo', 'news.tsv')])
        assert r.returncode == 0, r.stderr
    return db


def psql(server, *args, user='tester', env=None, dsn_extra=None):
    e = dict(os.environ, PGCONNECT_TIMEOUT='10', **(env or {}))
    return run(['psql', '-X', '-v', 'ON_ERROR_STOP=0', server.dsn(user, **(dsn_extra or {})), *args], env=e)


def infinity_loader(conn):
    """psycopg 3 refuses 'infinity' timestamps unless told what they are."""
    from psycopg.types.datetime import TimestamptzLoader

    class Loader(TimestamptzLoader):
        def load(self, data):
            if bytes(data) == b'infinity':
                return datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)
            if bytes(data) == b'-infinity':
                return datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
            return super().load(data)

    conn.adapters.register_loader('timestamptz', Loader)


# --- the clients ---

def test_psql_demo_questions_and_an_error_in_a_transaction():
    server = Server(new_db('psql'), host='localhost')  # (a host name: its IPv4 address, 127.0.0.1)
    try:
        r = psql(server, '-c', 'Syria diplomatic_relations Ukraine at 2023-01-01',
                 '-c', 'Syria diplomatic_relations Ukraine at 2025-10-01 as of 2025-01-01',
                 '-c', 'timeline Syria diplomatic_relations *')
        assert r.returncode == 0, r.stderr
        assert '"severed" | 2022-06-30 00:00:00+00 | 2024-12-30 00:00:00+00' in r.stdout, r.stdout
        assert re.search(r'"talks" +\| 2024-12-30 00:00:00\+00 \| infinity', r.stdout), r.stdout
        # The same rows as `hindsight query` prints (psql's aligned table).
        script = os.path.join(WORK, 'error.sql')
        with open(script, 'w') as f:
            f.write('BEGIN;\nassert Psql wrote this = 1 from 2020;\nSyria * Ukraine at 2025-02-30;\n'
                    'assert Psql wrote that = 2;\nCOMMIT;\ncount Psql * *;\n')
        r = psql(server, '-f', script)
        assert 'invalid time literal' in r.stderr and 'current transaction is aborted' in r.stderr, r.stderr
        assert 'ROLLBACK' in r.stdout, r.stdout
        assert re.search(r'count\s*\n-+\n\s*0\n', r.stdout), r.stdout
        # Comments where white space may stand, as psql 15 sends them on.
        script = os.path.join(WORK, 'comments.sql')
        with open(script, 'w') as f:
            f.write('-- the question\nSyria diplomatic_relations Ukraine -- the pair\n  at 2023-01-01;\n'
                    '/* a block\n   comment */ BEGIN /* at 2020 */;\nassert Psql commented x = 1 -- value\n from 2020;\n'
                    'COMMIT -- done\n;\n-- set\nSET DateStyle /* y */ TO ISO;\ncount Psql commented * /* open\n')
        r = psql(server, '-f', script)
        assert '"severed"' in r.stdout and 'COMMIT' in r.stdout and 'SET' in r.stdout, r.stdout + r.stderr
        assert r.stderr.count('ERROR') == 1 and 'unterminated comment: close it with */' in r.stderr, r.stderr
        # psql's catalog commands: refused, saying what to ask instead.
        r = psql(server, '-c', '\\dt')
        assert r.returncode != 0 and 'ERROR:  Hindsight has no PostgreSQL catalogs' in r.stderr, r.stderr
        assert 'HINT:' in r.stderr and 'SHOW hindsight_predicates' in r.stderr, r.stderr
        assert server.stop() == 0
    finally:
        cleanup()


def test_psycopg2_reads_parameters_and_transactions():
    server = Server(new_db('psycopg2'))
    try:
        conn = psycopg2.connect(server.dsn())
        cur = conn.cursor()
        cur.execute('Syria diplomatic_relations %s at %s as of %s', ('Ukraine', '2025-10-01', '2025-01-01'))
        rows = cur.fetchall()
        assert len(rows) == 1 and rows[0][3] == 'talks', rows
        assert rows[0][4].isoformat() == '2024-12-30T00:00:00+00:00', rows
        assert [d.name for d in cur.description] == ['subject', 'predicate', 'object', 'value', 'from', 'to']
        # Python's times, which psycopg2 quotes as '...'::timestamptz and '...'::date; a time read back in.
        cur.execute('Syria diplomatic_relations %s at %s as of %s', ('Ukraine', rows[0][4], datetime.date(2025, 1, 1)))
        assert cur.fetchall() == rows, cur.query
        cur.execute('begin at 2027-01-01 source psycopg2')  # the driver's BEGIN is open: this dates it
        cur.execute('assert Py two x = %s from 2020', (5,))
        conn.commit()
        assert any('committed transaction 8 at 2027-01-01' in n for n in conn.notices), conn.notices
        cur.execute('assert Py two x = 6 from 2020')
        conn.rollback()
        cur.execute('Py two *')
        rows = cur.fetchall()
        assert [r[3] for r in rows] == [5], rows
        conn.commit()  # a block of reads: it writes no transaction
        cur.execute('SHOW hindsight_status')
        assert cur.fetchone()[0] == '8', cur.query
        try:
            cur.execute('Py * * at 2025-13-01')
            raise AssertionError('no error')
        except psycopg2.errors.InvalidDatetimeFormat as e:
            assert e.pgcode == '22007', e.pgcode
        conn.rollback()
        conn.close()
        assert server.stop() == 0
    finally:
        cleanup()


def test_psycopg3_reads_parameters_and_transactions():
    server = Server(new_db('psycopg3'))
    try:
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            infinity_loader(conn)
            rows = conn.execute('Syria * %s at %s', ('Ukraine', '2025-10-01')).fetchall()
            assert rows and rows[0][3] == 'restored' and rows[0][5].year == 9999, rows
            # Python's times and numbers as psycopg 3 sends them (a date and a naive datetime in binary).
            talks = conn.execute('Syria * %s at %s as of %s',
                                 ('Ukraine', datetime.date(2025, 10, 1), datetime.datetime(2025, 1, 1))).fetchall()
            assert [r[3] for r in talks] == ['talks'], talks
            # A time read back in (binary), and one in text as psycopg 3 writes it ('2025-01-01 00:00:00+00:00').
            utc = datetime.timezone.utc
            again = conn.execute('Syria * Ukraine at %s as of %t',
                                 (rows[0][4], datetime.datetime(2025, 1, 1, tzinfo=utc))).fetchall()
            assert [r[3] for r in again] == ['talks'], again
            # A parameter named in a comment is no parameter of the statement.
            commented = conn.execute('Syria * Ukraine /* as of $2 */ at %s -- as of $3', ('2025-10-01',)).fetchall()
            assert [r[3] for r in commented] == ['restored'], commented
            # Both ends of an interval as parameters: the statement is prepared
            # before their order is known.
            conn.execute('assert Py span x = 1 from %s to %s', (datetime.date(2020, 1, 1), datetime.date(2021, 1, 1)))
            spans = conn.execute('Py span * during [%s, %s)', ('2020-06-01', '2020-07-01')).fetchall()
            assert [(r[4].year, r[5].year) for r in spans] == [(2020, 2021)], spans
            try:
                conn.execute('Py span * during [%s, %s)', ('2020-07-01', '2020-06-01'))
                assert False, 'a reversed interval was read'
            except psycopg.errors.SyntaxError as e:  # 42601, as for the same interval written in the statement
                assert 'needs from < to' in str(e), e
            # A UUID (binary) stands for its text, as PostgreSQL writes it.
            conn.execute('assert %s owns Py = 1 from 2020', (uuid.UUID('123e4567-e89b-12d3-a456-426614174000'),))
            assert conn.execute("'123e4567-e89b-12d3-a456-426614174000' owns *").fetchall()[0][2] == 'Py'
            conn.execute('assert Py money amount = %s from 2020', (decimal.Decimal('-1234.50'),))
            assert conn.execute('Py money amount').fetchall()[0][3] == -1234.5
            conn.execute('assert Py none x = %s from 2020', (None,))  # NULL: the relation simply holds
            assert conn.execute('Py none x').fetchall()[0][3] is None
            # psycopg 3 prepares a query run five times and deallocates the
            # least used past prepared_max (100 by default): DEALLOCATE.
            conn.prepared_max = 2
            for tx in range(1, 5):
                for _ in range(6):
                    conn.execute('count * * * as of tx %d' % tx).fetchone()
            assert conn.execute('SELECT 1').fetchone() == (1,)  # a pool's health check
            with conn.transaction():
                conn.execute('assert Py three x = %s from 2020', (3.5,))
            try:
                with conn.transaction():
                    conn.execute('assert Py three x = 4 from 2020')
                    conn.execute('Py three')
            except psycopg.errors.SyntaxError as e:
                assert 'expected an object' in str(e), e
            rows = conn.execute('Py three *').fetchall()
            assert [r[3] for r in rows] == [3.5], rows
            count = conn.execute('count * * *').fetchone()[0]
            assert isinstance(count, int), count
            # A pipeline's writes reach the server with one Sync: one
            # transaction, committed whole or, after an error, not at all.
            last = conn.execute('SHOW hindsight_transactions 1').fetchone()[0]
            try:
                with conn.pipeline():
                    conn.execute('assert Py piped a = 1 from 2020')
                    conn.execute('Py * * at 2025-13-01')
                    conn.execute('assert Py piped b = 1 from 2020')
            except psycopg.errors.InvalidDatetimeFormat:
                pass
            assert conn.execute('count Py piped *').fetchone()[0] == 0
            with conn.pipeline():
                for o in ['a', 'b', 'c']:
                    conn.execute('assert Py piped %s = 1 from 2020', (o,))
            assert conn.execute('count Py piped *').fetchone()[0] == 3
            tx, _, _, operations = conn.execute('SHOW hindsight_transactions 1').fetchone()
            assert (tx, operations) == (last + 1, 3), (last, tx, operations)
        assert server.stop() == 0
    finally:
        cleanup()


def test_savepoints_of_psycopg3_sqlalchemy_and_sql():
    """Nested transactions as drivers make them: psycopg 3's conn.transaction()
    inside a transaction, SQLAlchemy's begin_nested(), and SQL's SAVEPOINT,
    RELEASE and ROLLBACK TO with PostgreSQL's errors; only what is kept
    commits, as one transaction."""
    server = Server(new_db('savepoints'))
    try:
        with psycopg.connect(server.dsn()) as conn:  # not autocommit: a block is open from the first statement
            infinity_loader(conn)
            last = conn.execute('SHOW hindsight_transactions 1').fetchone()[0]
            conn.execute('assert Nest kept a = 1 from 2020')
            with conn.transaction():  # SAVEPOINT, then RELEASE
                conn.execute('assert Nest kept b = 1 from 2020')
            try:
                with conn.transaction():  # SAVEPOINT, then ROLLBACK TO after the error
                    conn.execute('assert Nest dropped c = 1 from 2020')
                    with conn.transaction():
                        conn.execute('assert Nest dropped d = 1 from 2020')
                    conn.execute('Nest * * at 2025-13-01')
            except psycopg.errors.InvalidDatetimeFormat:
                pass
            conn.execute('assert Nest kept e = 1 from 2020')  # the block goes on
            conn.commit()
            rows = conn.execute('Nest * *').fetchall()
            assert sorted(r[2] for r in rows) == ['a', 'b', 'e'], rows
            tx, _, _, operations = conn.execute('SHOW hindsight_transactions 1').fetchone()
            assert (tx, operations) == (last + 1, 3), (last, tx, operations)
            conn.rollback()
        engine = sqlalchemy.create_engine('postgresql+psycopg2://tester@127.0.0.1:%d/hindsight' % server.port)
        with engine.connect() as conn:
            with conn.begin():
                conn.execute(sqlalchemy.text('assert Alchemy kept a = 1 from 2020'))
                nested = conn.begin_nested()
                conn.execute(sqlalchemy.text('assert Alchemy dropped b = 1 from 2020'))
                nested.rollback()
                with conn.begin_nested():
                    conn.execute(sqlalchemy.text('assert Alchemy kept c = 1 from 2020'))
            rows = conn.execute(sqlalchemy.text('Alchemy * *')).fetchall()
            assert sorted(r[2] for r in rows) == ['a', 'c'], rows
        engine.dispose()
        conn = psycopg2.connect(server.dsn())
        conn.autocommit = True
        cur = conn.cursor()

        def sqlstate(statement):
            try:
                cur.execute(statement)
                return None
            except psycopg2.Error as e:
                return e.pgcode

        assert sqlstate('SAVEPOINT a') == '25P01'  # outside a block
        assert sqlstate('assert Sql x y = 1 from 2020; savepoint a') == '25P01'  # an implicit block is none
        assert cur.execute('BEGIN') is None
        assert sqlstate('assert Sql kept a = 1 from 2020') is None
        assert sqlstate('SAVEPOINT "Mixed"') is None
        assert sqlstate('ROLLBACK TO mixed') == '3B001'  # a quoted name keeps its case; the block fails
        assert sqlstate('assert Sql dropped b = 1 from 2020') == '25P02'
        assert sqlstate('RELEASE "Mixed"') == '25P02'
        assert sqlstate('ROLLBACK WORK TO SAVEPOINT "Mixed"') is None  # out of the failed state
        assert sqlstate('assert Sql dropped c = 1 from 2020') is None
        assert sqlstate('savepoint inner; assert Sql dropped d = 1 from 2020') is None
        assert sqlstate('rollback to "Mixed"') is None  # drops c and d, and forgets inner
        assert sqlstate('release inner') == '3B001'
        assert sqlstate('rollback to savepoint "Mixed"') is None
        assert sqlstate('release savepoint "Mixed"') is None
        assert sqlstate('assert Sql kept e = 1 from 2020') is None
        assert sqlstate('savepoint one two') == '42601'
        assert sqlstate('rollback to "Mixed"') == '3B001'  # released: the block stays failed
        assert sqlstate('assert Sql dropped f = 1 from 2020') == '25P02'
        assert sqlstate('commit') is None  # of a failed block: rolls it back
        assert sqlstate('BEGIN; assert Sql kept a = 1 from 2020; SAVEPOINT s; assert Sql dropped b = 1 from 2020; '
                        'ROLLBACK TO s; assert Sql kept e = 1 from 2020; COMMIT') is None
        cur.execute('Sql * *')
        assert sorted(r[2] for r in cur.fetchall()) == ['a', 'e']
        cur.execute('SHOW hindsight_transactions 1')
        assert cur.fetchone()[3] == 2
        conn.close()
        assert server.stop() == 0
    finally:
        cleanup()


def test_named_cursors_of_psycopg2_and_psycopg3():
    """Server-side cursors: DECLARE, FETCH, MOVE and CLOSE as the drivers send them."""
    server = Server(new_db('cursors'))
    try:
        conn = psycopg2.connect(server.dsn())
        cur = conn.cursor()
        cur.execute('* * *')
        everything = cur.fetchall()
        assert len(everything) > 10, everything
        named = conn.cursor('big')
        named.itersize = 7  # FETCH FORWARD 7, again and again
        named.execute('* * %s', ('Ukraine',))
        cur.execute('* * %s', ('Ukraine',))
        assert list(named) == cur.fetchall()
        named.close()
        scrolled = conn.cursor('scrolled', scrollable=True)
        scrolled.execute('* * *')
        assert scrolled.fetchmany(3) == everything[:3]
        scrolled.scroll(0, mode='absolute')
        assert scrolled.fetchone() == everything[0]
        scrolled.scroll(-1)
        assert scrolled.fetchall() == everything
        conn.commit()
        held = conn.cursor('held', withhold=True)
        held.execute('* * *')
        conn.commit()
        assert held.fetchall() == everything
        held.close()
        conn.cursor('never').close()  # psycopg2 asks pg_cursors whether it exists
        conn.rollback()
        conn.close()

        with psycopg.connect(server.dsn()) as conn:  # not autocommit: psycopg 3 sends BEGIN
            infinity_loader(conn)
            expected = conn.execute('* * %s at %s', ('Ukraine', '2025-10-01')).fetchall()
            with conn.cursor(name='c') as cur:
                cur.itersize = 2
                cur.execute('* * %s at %s', ('Ukraine', '2025-10-01'))  # parameters through DECLARE
                assert [d.name for d in cur.description][:3] == ['subject', 'predicate', 'object']
                assert list(cur) == expected
            with conn.cursor(name='s', scrollable=True) as cur:
                cur.execute('* * *')
                first = cur.fetchmany(4)
                cur.scroll(-2)
                assert cur.fetchone() == first[2]
            with conn.cursor(name='b', binary=True) as cur:
                cur.execute('count * * *')
                assert cur.fetchall() == [(len(everything),)]
            conn.cursor(name='unused').close()  # in a transaction: psycopg 3 asks pg_cursors
            conn.commit()
            with conn.cursor(name='h', withhold=True) as cur:
                cur.execute('* * *')
                conn.commit()
                assert len(cur.fetchall()) == len(everything)
        assert server.stop() == 0
    finally:
        cleanup()


def test_copy_loads_and_exports_with_psql_psycopg2_and_psycopg3():
    """COPY operations FROM STDIN loads an operations file while the server serves; COPY (read) TO STDOUT exports."""
    server = Server(new_db('copy', demo=False))
    try:
        ops = os.path.join(WORK, 'copy.tsv')
        with open(ops, 'w') as f:
            f.write('tx\t2031-01-01T00:00:00Z\tpsql\n'
                    'assert\tSyria\tties\tUkraine\t"severed"\t2022-06-30\t2025-09-25\n'
                    'assert\tSyria\tties\tUkraine\t"restored"\t2025-09-25\t+inf\n'
                    'tx\t2031-01-02T00:00:00Z\tpsql\n'
                    'assert\tCôte d\'Ivoire\tties\tGhana\t"a, b"\t2020-01-01\t+inf\n')
        r = psql(server, '-c', "\\copy operations from '%s'" % ops)
        assert r.returncode == 0 and 'COPY 3' in r.stdout, r.stdout + r.stderr
        out = os.path.join(WORK, 'out.csv')
        r = psql(server, '-c', "\\copy (* ties *) to '%s' csv header" % out)
        assert r.returncode == 0, r.stderr
        with open(out) as f:
            lines = f.read().splitlines()
        assert lines[0] == 'subject,predicate,object,value,from,to', lines
        assert lines[1] == 'Côte d\'Ivoire,ties,Ghana,"""a, b""",2020-01-01 00:00:00+00,infinity', lines
        assert len(lines) == 4, lines
        # psql's \copy counts parentheses itself: a half-open interval goes quoted.
        r = psql(server, '-c', "\\copy (* ties * during '[2021, 2023)') to '%s' csv" % out)
        assert r.returncode == 0 and 'COPY 2' in r.stdout, r.stdout + r.stderr
        # The same file again: every transaction is in, nothing more is imported.
        r = psql(server, '-c', "\\copy operations from '%s'" % ops)
        assert r.returncode == 0 and 'COPY 0' in r.stdout and 'skipped the first 2' in r.stderr, r.stdout + r.stderr

        # psycopg2 and psycopg 3 copy inside the transaction block they open themselves.
        conn = psycopg2.connect(server.dsn())
        cur = conn.cursor()
        cur.copy_expert('COPY operations FROM STDIN', io.StringIO('tx\t2031-02-01T00:00:00Z\tpsycopg2\n'
                                                                  'assert\tPy\tp\tx\t1\t2020-01-01\t+inf\n'))
        conn.commit()
        cur.execute('Py p x')
        assert [row[3] for row in cur.fetchall()] == [1]
        conn.close()
        with psycopg.connect(server.dsn()) as conn:
            with conn.cursor() as cur:
                with cur.copy('COPY operations FROM STDIN') as copy:
                    copy.write('tx\t2031-03-01T00:00:00Z\tpsycopg3\n')
                    copy.write('assert\tPy\tp\ty\t2\t2020-01-01\t+inf\n')
                with cur.copy('COPY (Py p *) TO STDOUT') as copy:
                    rows = list(copy.rows())
                assert [r[2] for r in rows] == ['x', 'y'], rows
                try:
                    with cur.copy('COPY operations FROM STDIN') as copy:
                        copy.write('tx\t2031-04-01T00:00:00Z\tpsycopg3\nassert\tPy\tp\n')
                    raise AssertionError('no error')
                except psycopg.errors.BadCopyFileFormat as e:
                    assert 'STDIN:2:' in str(e), e
            # A cancel (psql's Ctrl-C) while the data comes: nothing is
            # imported, the rest of the data is ignored, the session goes on.
            conn.rollback()
            cur = conn.cursor()
            before = conn.execute('SHOW hindsight_status').fetchone()[0]
            try:
                with cur.copy('COPY operations FROM STDIN') as copy:
                    copy.write('tx\t2031-05-01T00:00:00Z\tpsycopg3\nassert\tPy\tp\tz\t3\t2020-01-01\t+inf\n')
                    conn.cancel()
                    for i in range(100):
                        copy.write('tx\t2031-05-02T00:%02d:00Z\tpsycopg3\nassert\tPy\tp\tz\t3\t2020-01-01\t+inf\n' % i)
                raise AssertionError('no error')
            except psycopg.errors.QueryCanceled as e:
                assert 'nothing was imported' in str(e), e
            conn.rollback()
            assert conn.execute('SHOW hindsight_status').fetchone()[0] == before
            assert conn.execute('count Py p *').fetchone()[0] == 2
        assert server.stop() == 0
    finally:
        cleanup()


def test_sqlalchemy_and_pandas():
    """What analysts connect with: a SQLAlchemy engine (its probes of the catalogs on connect), pandas on it."""
    server = Server(new_db('sqlalchemy', demo=False))
    try:
        engine = sqlalchemy.create_engine('postgresql+psycopg2://analyst@127.0.0.1:%d/hindsight' % server.port)
        with engine.begin() as conn:  # one transaction
            conn.execute(sqlalchemy.text('assert Syria ties Ukraine = "talks" from 2024-12-30'))
            conn.execute(sqlalchemy.text('assert Syria ties Ukraine = "restored" from 2025-09-25'))
        with engine.connect() as conn:
            rows = conn.execute(sqlalchemy.text('Syria * * at :t'), {'t': '2025-01-01'}).fetchall()
            assert [r.value for r in rows] == ['talks'], rows
            history = pandas.read_sql(sqlalchemy.text('history * * *'), conn)
            assert list(history.columns) == ['subject', 'predicate', 'object', 'value', 'from', 'to', 'tx_from',
                                             'tx_to', 'tx', 'source'], history.columns
            assert list(history.value) == ['talks', 'restored'] and set(history.tx) == {1}, history
            now = pandas.read_sql(sqlalchemy.text('Syria ties :o at :t'), conn, params={'o': 'Ukraine', 't': '2025-10-01'},
                                  parse_dates=['from'])
            assert list(now.value) == ['restored'] and str(now['from'].dtype) == 'datetime64[ns, UTC]', now.dtypes
        # A server-side cursor (a named cursor underneath), a chunk at a time.
        with engine.connect() as conn:
            chunks = pandas.read_sql(sqlalchemy.text('history * * *'), conn.execution_options(stream_results=True),
                                     chunksize=1)
            assert [len(c) for c in chunks] == [1, 1]
        engine.dispose()
        assert server.stop() == 0
    finally:
        cleanup()


def test_select_lists_come_back_as_each_drivers_native_values():
    """SELECT without FROM (a pool's health check, a tool's probe of who and
    where it is): each column named and typed as PostgreSQL does, so that
    every driver hands back its own values, in text and in binary."""
    server = Server(new_db('select-lists'))
    probe = ("SELECT 1 AS ok, 3000000000 AS big, 1.50 AS price, true AS yes, NULL::int AS none, 2.5::float8 AS f, "
             "7::int2 AS small, '2024-02-29'::date AS day, current_user, current_database(), "
             "current_setting('server_version_num')::int4 AS version, now()")
    utc = datetime.timezone.utc
    expected = (1, 3000000000, decimal.Decimal('1.50'), True, None, 2.5, 7, datetime.date(2024, 2, 29), 'tester',
                'hindsight', 150000)

    def check(row, who):
        assert tuple(row[:-1]) == expected, (who, row)
        assert abs(row[-1] - datetime.datetime.now(utc)) < datetime.timedelta(minutes=1), (who, row)

    try:
        # psql shows PostgreSQL's column names, and its caret under a bad literal.
        r = psql(server, '-A', '-c', "SELECT 1, true, 'a'::text, 1 AS \"Ok\"")
        assert r.stdout.splitlines()[:2] == ['?column?|?column?|text|Ok', '1|t|a|1'], r.stdout
        r = psql(server, '-c', "SELECT 1, 'x'::int")
        assert 'invalid input syntax for type integer: "x"' in r.stderr, r.stderr
        assert r.stderr.splitlines()[2].index('^') == len('LINE 1: SELECT 1, '), r.stderr
        with psycopg2.connect(server.dsn('tester')) as conn:
            cur = conn.cursor()
            cur.execute(probe)
            check(cur.fetchone(), 'psycopg2')
            assert [d.name for d in cur.description][:3] == ['ok', 'big', 'price']
            try:
                cur.execute('SELECT foo()')
                raise AssertionError('an unknown function ran')
            except psycopg2.errors.UndefinedFunction:
                conn.rollback()
        # Parameters: typed as the driver declares them, else as cast.
        params = (5, 'x', True, 2.5, '7', None, decimal.Decimal('1.25'), datetime.date(2024, 2, 29))
        for binary in (False, True):
            with psycopg.connect(server.dsn('tester')) as conn:
                check(conn.cursor(binary=binary).execute(probe).fetchone(), 'psycopg binary=%s' % binary)
                cur = conn.cursor(binary=binary).execute('SELECT %s, %s, %s, %s, %s::int, %s, %s, %s', params)
                assert cur.fetchone() == (5, 'x', True, 2.5, 7, None, decimal.Decimal('1.25'),
                                          datetime.date(2024, 2, 29)), binary

        async def client():
            conn = await asyncpg.connect('postgresql://tester@127.0.0.1:%d/hindsight' % server.port)
            check(tuple(await conn.fetchrow(probe)), 'asyncpg')
            row = await conn.fetchrow('SELECT $1::int8 AS n, $2 AS s, $3::date AS d', 5, 'text', datetime.date(2024, 1, 1))
            assert tuple(row) == (5, 'text', datetime.date(2024, 1, 1)), row
            await conn.close()

        asyncio.run(client())
        assert server.stop() == 0
    finally:
        cleanup()


def test_asyncpg():
    """asyncpg prepares and describes every statement, asks for binary
    results, and has its pool send its own reset statements."""
    server = Server(new_db('asyncpg'))
    utc = datetime.timezone.utc

    async def client():
        uri = 'postgresql://tester@127.0.0.1:%d/hindsight' % server.port
        conn = await asyncpg.connect(uri)
        rows = await conn.fetch('Syria * $1 at $2 as of $3', 'Ukraine', datetime.datetime(2025, 10, 1, tzinfo=utc),
                                datetime.datetime(2025, 1, 1, tzinfo=utc))
        # json as its text; an open end as asyncpg's infinity, datetime.max.
        assert [(r['value'], r['from'], r['to']) for r in rows] == \
            [('"talks"', datetime.datetime(2024, 12, 30, tzinfo=utc), datetime.datetime.max)], rows
        assert await conn.fetchval('count * * *') == 35
        # One Sync for the whole batch: one transaction. A value parameter
        # is json: its JSON text.
        before = await conn.fetchval('SHOW hindsight_transactions 1')
        await conn.executemany('assert $1 knows Ukraine = $2 from 2020', [('A%d' % i, json.dumps(i)) for i in range(20)])
        assert await conn.fetchval('count * knows Ukraine') == 20
        last = await conn.fetchval('SHOW hindsight_transactions 1')
        assert last == before + 1, (before, last)
        try:
            await conn.executemany('assert $1 knows Chad = 1 from $2', [('B', 2020), ('C', 'soon')])
            raise AssertionError('a batch with a bad time was taken')
        except asyncpg.exceptions.DataError:
            pass  # asyncpg's own check: a time parameter takes a datetime
        assert await conn.fetchval('count * knows Chad') == 0
        assert await conn.fetchval('SHOW hindsight_transactions 1') == last
        async with conn.transaction():
            seen = [r['subject'] async for r in conn.cursor('* knows Ukraine', prefetch=3)]
            assert seen == sorted('A%d' % i for i in range(20)), seen
        try:
            async with conn.transaction():
                await conn.execute('assert Z knows Ukraine = 1 from 2020')
                await conn.execute('Z knows')
        except asyncpg.exceptions.PostgresSyntaxError as e:
            assert 'expected an object' in str(e), e
        assert await conn.fetchval('count Z * *') == 0
        told = asyncio.Queue()
        await conn.add_listener('hindsight_commits', lambda *args: told.put_nowait(json.loads(args[3])))
        await conn.execute('assert Y knows Ukraine = 1 from 2020')
        note = await asyncio.wait_for(told.get(), 10)
        assert note['operations'] == 1 and note['tx'] == last + 1, (note, last)
        out = io.BytesIO()
        await conn.copy_from_query('* knows Ukraine limit 2', output=out, format='csv', header=True)
        assert out.getvalue().decode().splitlines()[0] == 'subject,predicate,object,value,from,to', out.getvalue()
        await conn.close()
        # A pool hands connections back with its reset statements.
        pool = await asyncpg.create_pool(uri, min_size=2, max_size=2)
        for _ in range(4):
            async with pool.acquire() as c:
                assert await c.fetchval('count * knows Ukraine') == 21
        await pool.close()

    try:
        asyncio.run(client())
        assert server.stop() == 0
    finally:
        cleanup()


def test_node_postgres():
    if shutil.which('node') is None:
        raise AssertionError('node is not installed (scripts/install-deps.sh installs it)')
    node_dir = os.path.join(HERE, 'node')
    if not all(os.path.isdir(os.path.join(node_dir, 'node_modules', m)) for m in ['pg', 'pg-cursor']):
        r = run(['npm', 'ci', '--no-audit', '--no-fund'], cwd=node_dir, timeout=300)
        assert r.returncode == 0, r.stderr
    server = Server(new_db('node'))
    try:
        r = run(['node', os.path.join(node_dir, 'client.js'), str(server.port)])
        assert r.returncode == 0, r.stdout + r.stderr
        assert server.stop() == 0
    finally:
        cleanup()


def test_jdbc():
    jar = '/usr/share/java/postgresql.jar'  # Debian's libpostgresql-jdbc-java
    for needed in ['javac', 'java']:
        if shutil.which(needed) is None:
            raise AssertionError('%s is not installed (scripts/install-deps.sh installs it)' % needed)
    if not os.path.exists(jar):
        raise AssertionError('%s is missing (scripts/install-deps.sh installs it)' % jar)
    classes = os.path.join(WORK, 'jdbc-classes')
    r = run(['javac', '-cp', jar, '-d', classes, os.path.join(HERE, 'jdbc', 'JdbcClient.java')])
    assert r.returncode == 0, r.stdout + r.stderr
    server = Server(new_db('jdbc'))
    try:
        r = run(['java', '-cp', jar + ':' + classes, 'JdbcClient', str(server.port)])
        assert r.returncode == 0, r.stdout + r.stderr
        assert server.stop() == 0
    finally:
        cleanup()


def test_go_pgx():
    if shutil.which('go') is None:
        raise AssertionError('go is not installed (scripts/install-deps.sh installs it)')
    gocode = '/usr/share/gocode'  # Debian's Go packages: golang-github-jackc-pgx-v4-dev
    if not os.path.isdir(os.path.join(gocode, 'src', 'github.com', 'jackc', 'pgx', 'v4')):
        raise AssertionError('pgx v4 is missing (scripts/install-deps.sh installs it)')
    client = os.path.join(WORK, 'go-client')
    env = dict(os.environ, GO111MODULE='off', GOPATH=gocode, GOCACHE=os.path.join(WORK, 'go-cache'))
    r = run(['go', 'build', '-o', client, os.path.join(HERE, 'go', 'client.go')], env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    for mode in ['prepared', 'simple']:
        server = Server(new_db('go-' + mode))
        try:
            r = run([client, str(server.port), mode])
            assert r.returncode == 0, mode + ': ' + r.stdout + r.stderr
            assert server.stop() == 0
        finally:
            cleanup()


def test_pgbench_custom_script_with_eight_clients():
    server = Server(new_db('pgbench'))
    try:
        script = os.path.join(WORK, 'bench.sql')
        with open(script, 'w') as f:
            f.write('\\set y random(2000, 2026)\nSyria * Ukraine at :y;\ncount Syria * * at :y;\n')
        for mode in ['simple', 'prepared']:
            r = run(['pgbench', '-n', '-h', '127.0.0.1', '-p', str(server.port), '-U', 'bench', '-f', script,
                     '-c', '8', '-j', '2', '-T', '2', '-M', mode, 'hindsight'])
            assert r.returncode == 0, r.stdout + r.stderr
            assert 'number of failed transactions: 0' in r.stdout, r.stdout
            tps = float(re.search(r'tps = ([0-9.]+)', r.stdout).group(1))
            assert tps > 100, r.stdout
        assert server.stop() == 0
    finally:
        cleanup()


def test_fifty_concurrent_clients_commit_exactly_once():
    db = new_db('fifty', demo=False)
    server = Server(db)
    acknowledged = {}  # tx id -> (source, operations)
    errors = []
    lock = threading.Lock()

    def client(n):
        try:
            conn = psycopg2.connect(server.dsn())
            conn.autocommit = True
            cur = conn.cursor()
            rng = random.Random(n)
            for i in range(12):
                if rng.random() < 0.4:
                    cur.execute('count * * *')
                    cur.fetchall()
                    continue
                ops = [('client%d' % n, 'wrote', 'k%d' % rng.randint(0, 5), rng.randint(0, 99),
                        2000 + rng.randint(0, 20)) for _ in range(rng.randint(1, 3))]
                source = 'c%d-%d' % (n, i)
                del conn.notices[:]  # psycopg2 keeps only the last 50
                cur.execute('begin source %s' % source)
                for s, p, o, v, y in ops:
                    cur.execute('assert %s %s %s = %d from %d' % (s, p, o, v, y))
                cur.execute('commit')
                m = re.search(r'committed transaction (\d+)', ''.join(conn.notices))
                assert m, conn.notices
                with lock:
                    acknowledged[int(m.group(1))] = (source, ops)
            conn.close()
        except Exception as e:
            errors.append(repr(e))

    try:
        threads = [threading.Thread(target=client, args=(n,)) for n in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors[:3]
        assert server.stop() == 0
        log = run([TOOL, 'log', db]).stdout.splitlines()
        ids = [int(line.split('\t')[0]) for line in log]
        assert ids == list(range(1, len(ids) + 1)) and sorted(acknowledged) == ids, (ids[:5], len(acknowledged))
        times = {int(line.split('\t')[0]): line.split('\t')[1] for line in log}
        for line in log:
            tx, _, source, count = line.split('\t')
            assert acknowledged[int(tx)][0] == source and len(acknowledged[int(tx)][1]) == int(count), line
        # The same transactions, in the log's order, into a database of their own.
        ops_path = os.path.join(WORK, 'fifty.tsv')
        with open(ops_path, 'w') as f:
            for tx in ids:
                source, ops = acknowledged[tx]
                f.write('tx\t%s\t%s\n' % (times[tx], source))
                for s, p, o, v, y in ops:
                    f.write('assert\t%s\t%s\t%s\t%d\t%d\t+inf\n' % (s, p, o, v, y))
        reference = os.path.join(WORK, 'fifty-reference')
        assert run([TOOL, 'import', reference, ops_path]).returncode == 0
        for statement in ['history * * *', '* * *']:
            got = run([TOOL, 'query', '--format', 'tsv', db, statement]).stdout
            assert got and got == run([TOOL, 'query', '--format', 'tsv', reference, statement]).stdout, statement
    finally:
        cleanup()


def listening(server, channel):
    """A psycopg2 connection outside transactions that LISTENs to `channel`."""
    conn = psycopg2.connect(server.dsn())
    conn.autocommit = True
    conn.cursor().execute('LISTEN ' + channel)
    return conn


def hear(conn, told, until, timeout=20):
    """Adds to `told` the notifications `conn` receives, waiting for them,
    until it holds `until` or `timeout` seconds passed."""
    deadline = time.time() + timeout
    while len(told) < until and time.time() < deadline:
        select.select([conn], [], [], 0.5)
        conn.poll()
        while conn.notifies:
            told.append(conn.notifies.pop(0))


def test_listeners_are_told_of_every_commit():
    """LISTEN hindsight_commits: an idle client is woken with a notification
    for each transaction committed by others, in order, none missed or twice;
    a client in a transaction block hears of them once it ends; psql shows
    them; a listener that never reads holds up no commit."""
    server = Server(new_db('listen'))
    try:
        listener = listening(server, 'hindsight_commits')
        writer = psycopg2.connect(server.dsn())
        writer.autocommit = True
        w = writer.cursor()
        w.execute('SHOW hindsight_transactions 1')
        first = w.fetchone()[0] + 1
        told = []

        # A stalled reader: LISTEN, then never read.
        stalled = raw_startup(server.port, receive_buffer=4096)
        stalled.sendall(query_message('LISTEN hindsight_commits'))
        read_until_ready(stalled)
        started = time.time()
        for i in range(2000):
            w.execute('assert Listen n "%d" = %d from 2020' % (i, i))
        w.execute("begin source 'copy'")
        w.execute('assert Listen n last = 1 from 2020')
        w.execute('commit')
        took = time.time() - started
        hear(listener, told, 2001)
        assert [json.loads(n.payload)['tx'] for n in told] == list(range(first, first + 2001)), \
            [n.payload for n in told[:3]]
        assert all(n.channel == 'hindsight_commits' for n in told)
        last = json.loads(told[-1].payload)
        assert last['source'] == 'copy' and last['operations'] == 1, last
        assert re.fullmatch(r'\d{4}-\d\d-\d\dT[\d:.]+Z', last['time']), last
        assert took < 30, 'commits took %.1f s beside a listener that does not read' % took
        stalled.close()
        # In a block: nothing until it ends.
        told.clear()
        listener.autocommit = False
        listener.cursor().execute('count * * *')  # opens the block
        w.execute('assert Listen n block = 1 from 2020')
        hear(listener, told, 1, timeout=1)
        assert told == [], [n.payload for n in told]
        listener.rollback()
        hear(listener, told, 1)
        assert len(told) == 1, [n.payload for n in told]
        listener.close()
        # psql shows what arrived with its next answer.
        r = psql(server, '-c', 'LISTEN hindsight_commits', '-c', 'assert Listen psql x = 1 from 2020')
        assert 'Asynchronous notification "hindsight_commits" with payload "{"tx": ' in r.stdout, r.stdout + r.stderr
        writer.close()
        assert server.stop() == 0
    finally:
        cleanup()


def test_notify_reaches_listening_clients_when_its_transaction_commits():
    """NOTIFY and pg_notify between clients: an idle psycopg 2 listener is
    woken, a psycopg 3 one reads them from its notifies() generator; a block's
    notifications arrive when it commits, none if it rolls back; the
    sender's pid is the one the session reports; psql shows them."""
    server = Server(new_db('notify'))
    try:
        listener = listening(server, 'jobs')
        sender = psycopg2.connect(server.dsn())
        s = sender.cursor()  # psycopg2 opens a block at the first statement
        s.execute("NOTIFY jobs, 'in a block'")
        s.execute("NOTIFY jobs, 'in a block'")
        s.execute("NOTIFY other, 'not heard'")
        select.select([listener], [], [], 0.5)
        listener.poll()
        assert listener.notifies == [], listener.notifies
        sender.commit()
        s.execute("NOTIFY jobs, 'rolled back'")
        sender.rollback()
        sender.autocommit = True
        s.execute("NOTIFY jobs, 'it''s done'")
        heard = []
        hear(listener, heard, 2)
        pid = sender.get_backend_pid()
        assert [(n.pid, n.channel, n.payload) for n in heard] == [(pid, 'jobs', 'in a block'),
                                                                 (pid, 'jobs', "it's done")], heard
        listener.close()

        three = psycopg.connect(server.dsn(), autocommit=True)
        three.execute('LISTEN "Work Queue"')
        s.execute('NOTIFY "Work Queue", \'first\'')
        # pg_notify takes its channel and payload as parameters (psycopg 3 binds them).
        with psycopg.connect(server.dsn(), autocommit=True) as binder:
            assert binder.execute('SELECT pg_notify(%s, %s)', ('Work Queue', 'second')).fetchall() == [('',)]
        got = []
        notes = three.notifies()  # (Debian's psycopg 3.1: no timeout; both are sent already)
        for note in notes:
            got.append((note.channel, note.payload))
            if len(got) == 2:
                notes.close()
        assert got == [('Work Queue', 'first'), ('Work Queue', 'second')], got
        three.close()
        sender.close()
        r = psql(server, '-c', 'LISTEN jobs', '-c', "NOTIFY jobs, 'to myself'")
        assert 'Asynchronous notification "jobs" with payload "to myself" received' in r.stdout, r.stdout + r.stderr
        assert server.stop() == 0
    finally:
        cleanup()


def test_a_second_process_reads_a_served_database():
    db = new_db('second')
    server = Server(db)
    try:
        r = run([TOOL, 'query', '--format', 'tsv', db, 'count * * *'])
        assert r.returncode == 0 and r.stdout.strip() == '35', r.stdout + r.stderr
        assert psql(server, '-c', 'assert Served new fact = 1').returncode == 0
        r = run([TOOL, 'query', '--format', 'tsv', db, 'count * * *'])
        assert r.stdout.strip() == '36', r.stdout + r.stderr
        r = run([TOOL, 'shell', db], input='count Served * *;\nassert Shell tries writing = 1;\n')
        assert r.returncode == 1 and 'hindsight serve' in r.stderr and '1' in r.stdout, r.stdout + r.stderr
        assert server.stop() == 0
    finally:
        cleanup()


def test_maintenance_while_serving_compact_checkpoint_and_export():
    db = new_db('maintenance')
    server = Server(db)
    uri = 'postgresql://tester@127.0.0.1:%d/hindsight' % server.port
    try:
        assert psql(server, '-c', 'assert Witness-5e1f testified_against Cartel-0b7d = 1').returncode == 0
        r = psql(server, '-c', 'erase Witness-5e1f testified_against Cartel-0b7d', '-c', 'COMPACT')
        assert r.returncode == 0 and 'compacted %s: ' % db in r.stderr and 'COMPACT' in r.stdout, r.stdout + r.stderr
        # From the command line, through the server; the directory itself is the server's.
        r = run([TOOL, 'compact', uri])
        assert r.returncode == 0 and re.match(r'compacted .*: [0-9.]+ MB -> [0-9.]+ MB on disk$', r.stdout), \
            r.stdout + r.stderr
        r = run([TOOL, 'compact', db])
        assert r.returncode == 1 and 'hindsight compact postgresql://' in r.stderr, r.stdout + r.stderr
        r = run([TOOL, 'checkpoint', uri, os.path.join(WORK, 'maintenance-copy')])
        assert r.returncode == 0 and 'checkpoint of transactions 1..' in r.stdout, r.stdout + r.stderr
        # The log as an operations file, through the server: a new directory
        # imports it as the same database.
        exported = os.path.join(WORK, 'maintenance-log.tsv')
        r = psql(server, '-c', "\\copy operations to '%s'" % exported)
        assert r.returncode == 0 and 'erase-digest\t' in open(exported).read(), r.stdout + r.stderr
        assert run([TOOL, 'import', os.path.join(WORK, 'maintenance-from-log'), exported]).returncode == 0
        assert run([TOOL, 'log', os.path.join(WORK, 'maintenance-from-log')]).stdout == run([TOOL, 'log', db]).stdout
        assert psql(server, '-c', 'assert Served still here = 1').returncode == 0
        assert server.stop() == 0
        for copy in (db, os.path.join(WORK, 'maintenance-copy')):
            r = run([TOOL, 'query', '--format', 'tsv', copy, 'count Witness-5e1f * *'])
            assert r.returncode == 0 and r.stdout.strip() == '0', r.stdout + r.stderr
    finally:
        cleanup()


def test_the_shell_connects_to_a_server():
    db = new_db('remote-shell')
    server = Server(db)
    try:
        uri = 'postgresql://someone@127.0.0.1:%d/hindsight' % server.port
        r = run([TOOL, 'shell', uri, '-c', 'Syria diplomatic_relations Ukraine at 2025-10-01 as of 2025-01-01;',
                 '-c', 'begin source remote; assert Remote shell wrote = "yes" from 2020; commit;',
                 '-c', '.format tsv', '-c', 'Remote * *;', '-c', 'Remote * * at 2025-02-30;'])
        assert r.returncode == 1, r.stdout + r.stderr  # the last statement fails
        assert '| "talks" | 2024-12-30 | +inf' in r.stdout, r.stdout
        assert 'committed transaction 8 at' in r.stdout, r.stdout
        assert 'Remote\tshell\twrote\t"yes"\t2020-01-01T00:00:00Z\t+inf' in r.stdout, r.stdout
        assert "invalid time literal '2025-02-30'" in r.stderr and '           ^' in r.stderr, r.stderr
        # Savepoints say the same through the server as in a local shell
        # (rolled back at the end: the transactions below are counted).
        savepoints = ('begin; assert Sp a b = 1 from 2020; savepoint One; assert Sp a c = 2 from 2020; '
                      'savepoint "Two"; assert Sp a d = 3 from 2020; rollback to savepoint one; '
                      'assert Sp a e = 4 from 2020; release one; rollback;')
        said = {}
        for where in (uri, db + '-local'):
            r = run([TOOL, 'shell', where, '-c', savepoints])
            assert r.returncode == 0, r.stdout + r.stderr
            said[where] = r.stdout.splitlines()[:-1]  # but the last rollback's line, which differs
        assert said[uri] == said[db + '-local'], said
        assert said[uri][6:] == ['rolled back to savepoint one: dropped 2 operations', 'pending: 2 operations',
                                 'released savepoint one, keeping what came after it'], said
        r = run([TOOL, 'shell', 'postgresql://someone@127.0.0.1:1/x', '-c', 'count * * *;'])
        assert r.returncode == 1 and 'cannot connect' in r.stderr, r.stderr
        # .sessions lists the server's; text the shell reads as a read and
        # the server as its SHOW is refused, not drawn as a read's rows.
        r = run([TOOL, 'shell', uri, '-c', '.format tsv', '-c', '.sessions', '-c', 'SHOW hindsight_sessions\n.help;'])
        assert r.returncode == 1 and re.match(r'\d+\tsomeone\t\t127\.0\.0\.1:\d+\toff\t', r.stdout), r.stdout + r.stderr
        assert 'the server answered with columns pid, user,' in r.stderr, r.stderr
        r = run([TOOL, 'shell', db, '-c', '.sessions'])
        assert r.returncode == 1 and 'lists a server\'s sessions' in r.stderr, r.stderr
        # .tx and .stats answer over the network as on the database itself.
        # And answers written as their rows come (row by row over the
        # network) are the local ones.
        meta = ['-c', '.format tsv', '-c', '.tx 3', '-c', '.stats', '-c', '.predicates', '-c', '.names Syr',
                '-c', ".names Cô'", '-c', 'history * * *;', '-c', '.format json', '-c', '* * * as of tx 4;',
                '-c', '.format csv', '-c', 'changes * * * between tx 2 and tx 8;', '-c', 'Nobody * *;',
                '-c', '.format table', '-c', 'Nobody * *;']
        remote = run([TOOL, 'shell', uri, *meta])
        assert remote.returncode == 0, remote.stderr
        assert server.stop() == 0
        local = run([TOOL, 'shell', db, *meta])
        assert local.returncode == 0, local.stderr
        lines = remote.stdout.splitlines()
        assert [l.split('\t')[0] for l in lines[:4]] == ['6', '7', '8', 'keys'], remote.stdout
        assert lines[2].endswith('\tremote\t1') and 'transactions\t8' in lines, remote.stdout
        assert 'diplomatic_relations\t6\t11' in lines and 'shell\t1\t1' in lines, remote.stdout
        assert 'Syria' in lines and '(2 names)' in lines and '(0 names)' in lines, remote.stdout
        assert 'bytes on disk\t' in remote.stdout, remote.stdout
        without_bytes = lambda out: [l for l in out.splitlines() if not l.startswith('bytes on disk')]
        assert without_bytes(remote.stdout) == without_bytes(local.stdout), (remote.stdout, local.stdout)
    finally:
        cleanup()


def test_the_shell_connects_again_to_a_restarted_server():
    db = new_db('remote-shell-restart')
    server = Server(db)
    port = server.port
    shell = subprocess.Popen([TOOL, 'shell', 'postgresql://someone@127.0.0.1:%d/hindsight' % port],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = {shell.stdout: b'', shell.stderr: b''}

    def say(line, stream, expected):
        # Statements read from a pipe run as each line comes, their answers
        # written before the next line is read.
        shell.stdin.write(line.encode() + b'\n')
        shell.stdin.flush()
        deadline = time.time() + 30
        while expected.encode() not in seen[stream]:
            assert time.time() < deadline, 'no %r after %r: %r' % (expected, line, seen)
            ready, _, _ = select.select([shell.stdout, shell.stderr], [], [], 0.2)
            for f in ready:
                seen[f] += os.read(f.fileno(), 65536)
        text = seen[stream].decode()
        seen[stream] = b''
        return text

    try:
        say('begin; assert Restart shell wrote = "lost" from 2020;', shell.stdout, 'pending: 1 operation')
        assert server.stop() == 0
        # The server gone: the statement says the connection was lost, and
        # that connecting again failed; the next ones try again.
        err = say('count * * *;', shell.stderr, '\n')
        assert 'error: the connection to the server was lost (' in err and 'connecting again failed:' in err, err
        err = say('count * * *;', shell.stderr, '\n')
        assert 'error: no connection to the server: ' in err and '(each statement tries again)' in err, err
        server = Server(db, port=port)
        out = say('count * * *;', shell.stdout, '(connected to the server again)')
        assert '(1 row)' in out, out
        # Restarted while the shell waits: the next statement meets the
        # lost connection and connects again; the open transaction was
        # rolled back with the server.
        assert server.stop() == 0
        server = Server(db, port=port)
        err = say('count Restart * *;', shell.stderr, '\n')
        assert 'error: the connection to the server was lost (' in err and \
            'connected again, outside any transaction' in err, err
        out = say('count Restart * *;', shell.stdout, '(1 row)')
        assert out.split('\n')[2] == '0', out
        shell.stdin.close()
        assert shell.wait(30) == 1  # statements failed
    finally:
        if shell.poll() is None:
            shell.kill()
            shell.wait()
        cleanup()


def test_ctrl_c_stops_the_shell_connecting_again_to_a_silent_server():
    """A server gone, and in its place something that takes connections and
    never answers (a host that went away behind a firewall): connecting
    again would wait for ever. Ctrl-C stops it and keeps the session; with
    connect_timeout the wait ends by itself."""
    db = new_db('remote-shell-silent')
    server = Server(db)
    port = server.port
    uri = 'postgresql://someone@127.0.0.1:%d/hindsight' % port
    silent = None
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(TOOL, [TOOL, 'shell', uri + '?connect_timeout=3'])
    seen = b''

    def expect(text, timeout=20):
        nonlocal seen
        deadline = time.time() + timeout
        while text.encode() not in seen:
            assert time.time() < deadline, 'no %r; the terminal showed %r' % (text, seen)
            if select.select([fd], [], [], 0.1)[0]:
                seen += os.read(fd, 65536)
        shown, seen = seen, seen[seen.index(text.encode()) + len(text):]
        return shown.decode(errors='replace')

    try:
        expect('hindsight> ')
        os.write(fd, b'count * * *;\r')
        expect('(1 row)')
        expect('hindsight> ')
        assert server.stop() == 0
        silent = socket.socket()
        silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        silent.bind(('127.0.0.1', port))
        silent.listen(8)  # taken by the kernel, never answered
        os.write(fd, b'count * * *;\r')
        time.sleep(1)
        started = time.time()
        os.kill(pid, signal.SIGINT)
        shown = expect('hindsight> ')
        assert time.time() - started < 2, 'Ctrl-C took %.1f s' % (time.time() - started)
        assert 'the connection to the server was lost (' in shown and 'connecting again failed: interrupted' in shown, \
            shown
        # connect_timeout=3 given in the URI bounds the next attempt.
        started = time.time()
        os.write(fd, b'count * * *;\r')
        shown = expect('hindsight> ')
        took = time.time() - started
        assert 'no connection to the server: timeout expired (3 s) (each statement tries again)' in shown, shown
        assert 2.5 < took < 5, 'the attempt took %.1f s' % took
        # The server back: the session goes on.
        silent.close()
        silent = None
        server = Server(db, port=port)
        os.write(fd, b'count * * *;\r')
        shown = expect('(1 row)')
        assert '(connected to the server again)' in shown, shown
        os.write(fd, b'\\q\r')
        _, status = os.waitpid(pid, 0)
        pid = None
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    finally:
        if silent is not None:
            silent.close()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
        cleanup()


# --- the clients a server must survive ---

def test_users_passwords_read_only_and_tls():
    users = os.path.join(WORK, 'users.txt')
    for name, password, extra in [('alice', 'wonderland', []), ('bob', 'builder', ['--read-only'])]:
        r = run([TOOL, 'user', 'add', *extra, users, name], input=password + '\n')
        assert r.returncode == 0, r.stderr
    assert os.stat(users).st_mode & 0o777 == 0o600
    text = open(users).read()
    assert 'wonderland' not in text and 'SCRAM-SHA-256$4096:' in text, text
    cert, key = os.path.join(WORK, 'cert.pem'), os.path.join(WORK, 'key.pem')
    r = run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
             '-subj', '/CN=127.0.0.1'])
    assert r.returncode == 0, r.stderr
    server = Server(new_db('users'), '--users', users, '--tls-cert', cert, '--tls-key', key, '--require-tls',
                    '--authentication-timeout', '1')
    try:
        assert 'loopback' not in server.ready_line, server.ready_line
        # A client that asks for TLS, then never starts the handshake, is
        # disconnected after the authentication timeout.
        stalled = socket.create_connection(('127.0.0.1', server.port), timeout=10)
        stalled.sendall(struct.pack('!II', 8, 80877103))
        assert stalled.recv(1) == b'S'
        start = time.time()
        assert stalled.recv(4096) == b'', 'a stalled TLS handshake got an answer'
        assert time.time() - start < 5, 'a stalled TLS handshake was kept %.1f s' % (time.time() - start)
        stalled.close()
        ok = psql(server, '-c', 'count * * *', user='alice', env={'PGPASSWORD': 'wonderland'},
                  dsn_extra={'sslmode': 'require'})
        assert ok.returncode == 0 and '35' in ok.stdout, ok.stderr
        bad = psql(server, '-c', 'count * * *', user='alice', env={'PGPASSWORD': 'rabbit'},
                   dsn_extra={'sslmode': 'require'})
        assert 'password authentication failed for user "alice"' in bad.stderr, bad.stderr
        nobody = psql(server, '-c', 'count * * *', user='mallory', env={'PGPASSWORD': 'x'},
                      dsn_extra={'sslmode': 'require'})
        assert 'password authentication failed for user "mallory"' in nobody.stderr, nobody.stderr
        clear = psql(server, '-c', 'count * * *', user='alice', env={'PGPASSWORD': 'wonderland'},
                     dsn_extra={'sslmode': 'disable'})
        assert 'requires TLS' in clear.stderr, clear.stderr
        # The operator's log has each refusal, timed, with the client's address.
        for needle in ('user "alice": 28P01 password authentication failed', 'user "mallory": 28P01',
                       'user "alice": 28000 this server requires TLS'):
            line = await_stderr(server, needle)
            assert re.match(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ hindsight: refused 127\.0\.0\.1:\d+ ', line), line
        ro = psql(server, '-c', 'assert Bob built it = 1', user='bob', env={'PGPASSWORD': 'builder'},
                  dsn_extra={'sslmode': 'require'})
        assert 'user "bob" is read-only' in ro.stderr, ro.stderr
        conn = psycopg2.connect(server.dsn('bob', password='builder', sslmode='require'))
        try:
            conn.cursor().execute('erase Syria diplomatic_relations Ukraine')
            raise AssertionError('a read-only user wrote')
        except psycopg2.Error as e:
            assert e.pgcode == '25006', e.pgcode
        conn.close()
        assert server.stop() == 0
        r = run([TOOL, 'user', 'remove', users, 'bob'])
        assert r.returncode == 0 and 'bob' not in open(users).read()
    finally:
        cleanup()


def served_certificate(port):
    """The subject of the certificate the server at `port` presents."""
    r = run(['openssl', 's_client', '-starttls', 'postgres', '-connect', '127.0.0.1:%d' % port], input='',
            timeout=20)
    m = re.search(r'subject=(.*)', r.stdout)
    return m.group(1).strip() if m else r.stdout + r.stderr


def await_stderr(server, needle, timeout=10):
    """Reads the server's standard error until a line holds `needle`; the
    lines after it wait for the next call."""
    deadline = time.time() + timeout
    pending = getattr(server, 'stderr_pending', '')
    seen = ''
    while True:
        while '\n' in pending:
            line, pending = pending.split('\n', 1)
            seen += line + '\n'
            if needle in line:
                server.stderr_pending = pending
                return line
        ready, _, _ = select.select([server.proc.stderr], [], [], max(0.0, deadline - time.time()))
        if not ready:
            raise AssertionError('no %r on the server\'s stderr: %r' % (needle, seen))
        chunk = os.read(server.proc.stderr.fileno(), 4096).decode()
        if not chunk:
            raise AssertionError('the server closed its stderr: %r' % seen)
        pending += chunk


def test_libpq_chooses_a_writable_server_among_several_hosts():
    """A connection string naming several hosts with target_session_attrs
    (what applications use to find the writable server of several) passes a
    host that does not answer and takes the server, for a user who may
    write; a read-only user's sessions are read-only; psycopg2 asks what
    other drivers ask."""
    users = os.path.join(WORK, 'hosts-users.txt')
    for name, password, extra in [('alice', 'wonderland', []), ('bob', 'builder', ['--read-only'])]:
        r = run([TOOL, 'user', 'add', *extra, users, name], input=password + '\n')
        assert r.returncode == 0, r.stderr
    server = Server(new_db('hosts'), '--users', users)
    with socket.socket() as unused:
        unused.bind(('127.0.0.1', 0))
        dead = unused.getsockname()[1]  # nothing listens there once closed
    try:
        def hosts(user, attrs):
            return ('host=127.0.0.1,127.0.0.1 port=%d,%d user=%s dbname=hindsight target_session_attrs=%s'
                    % (dead, server.port, user, attrs))
        env = dict(os.environ, PGCONNECT_TIMEOUT='10')
        for attrs in ('read-write', 'primary', 'any'):
            r = run(['psql', '-X', hosts('alice', attrs), '-c', 'count * * *'], env=dict(env, PGPASSWORD='wonderland'))
            assert r.returncode == 0 and '35' in r.stdout, (attrs, r.stderr)
        refused = run(['psql', '-X', hosts('bob', 'read-write'), '-c', 'count * * *'], env=dict(env, PGPASSWORD='builder'))
        assert refused.returncode != 0 and 'read-only' in refused.stderr, refused.stderr
        r = run(['psql', '-X', hosts('bob', 'read-only'), '-c', 'count * * *'], env=dict(env, PGPASSWORD='builder'))
        assert r.returncode == 0 and '35' in r.stdout, r.stderr
        for user, password, read_only in (('alice', 'wonderland', 'off'), ('bob', 'builder', 'on')):
            conn = psycopg2.connect(server.dsn(user, password=password))
            cur = conn.cursor()
            cur.execute('SHOW transaction_read_only')
            assert cur.fetchone() == (read_only,)
            cur.execute('SELECT pg_catalog.pg_is_in_recovery()')
            assert cur.fetchone() == (False,)  # a bool
            assert conn.get_parameter_status('default_transaction_read_only') == read_only
            assert conn.get_parameter_status('in_hot_standby') == 'off'
            conn.close()
    finally:
        server.stop()


def test_users_and_certificate_read_again_on_sighup():
    users = os.path.join(WORK, 'hup-users.txt')
    cert, key = os.path.join(WORK, 'hup-cert.pem'), os.path.join(WORK, 'hup-key.pem')

    def add(name, password):
        assert run([TOOL, 'user', 'add', users, name], input=password + '\n').returncode == 0

    def certify(cn):
        r = run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days',
                 '1', '-subj', '/CN=' + cn])
        assert r.returncode == 0, r.stderr

    def connects(name, password):
        r = psql(server, '-c', 'count * * *', user=name, env={'PGPASSWORD': password}, dsn_extra={'sslmode': 'require'})
        return r.returncode == 0

    add('alice', 'wonderland')
    certify('first')
    server = Server(new_db('hup'), '--users', users, '--tls-cert', cert, '--tls-key', key)
    try:
        kept = psycopg2.connect(server.dsn('alice', password='wonderland', sslmode='require'))
        kept.autocommit = True
        add('carol', 'singer')
        run([TOOL, 'user', 'remove', users, 'alice'])
        assert not connects('carol', 'singer'), 'a user added was let in before SIGHUP'
        assert connects('alice', 'wonderland'), 'a user removed was refused before SIGHUP'
        certify('second')
        assert 'first' in served_certificate(server.port)
        server.proc.send_signal(signal.SIGHUP)
        line = await_stderr(server, 'again, for new connections')
        assert '2 users' not in line and '1 user from' in line and 'TLS certificate' in line, line
        assert connects('carol', 'singer')
        assert not connects('alice', 'wonderland')
        cur = kept.cursor()  # an open connection keeps its session
        cur.execute('count * * *')
        assert cur.fetchone()[0] == 35
        assert 'second' in served_certificate(server.port)
        # Files that no longer load leave the server as it was.
        with open(cert, 'w') as f:
            f.write('not a certificate\n')
        with open(users, 'a') as f:
            f.write('a line that is not a user\n')
        server.proc.send_signal(signal.SIGHUP)
        await_stderr(server, 'the users stay as they were')
        await_stderr(server, 'TLS stays as it was')
        assert connects('carol', 'singer')
        assert 'second' in served_certificate(server.port)
        kept.close()
        assert server.stop() == 0
    finally:
        cleanup()


def test_sessions_listed_cancelled_and_ended():
    users = os.path.join(WORK, 'sessions-users.txt')
    for name, password, extra in [('alice', 'wonderland', []), ('bob', 'builder', ['--read-only'])]:
        assert run([TOOL, 'user', 'add', *extra, users, name], input=password + '\n').returncode == 0
    server = Server(new_db('sessions'), '--users', users)
    alice_env = {'PGPASSWORD': 'wonderland'}
    try:
        a = psycopg2.connect(server.dsn('alice', password='wonderland', application_name='loader'))
        a.cursor().execute('assert Session open x = 1')  # psycopg2 opened a transaction: it stays open
        b = psycopg2.connect(server.dsn('bob', password='builder'))
        b.autocommit = True
        own = b.cursor()
        own.execute('SELECT pg_backend_pid()')  # what another session signals it by
        b_pid = own.fetchone()[0]
        own.execute('SELECT current_user')
        assert own.fetchone()[0] == 'bob'
        waited = []

        def wait_for_nothing():  # a statement that runs until it is cancelled
            try:
                b.cursor().execute('await tx 1000000 timeout 60s')
                waited.append('returned')
            except Exception as e:
                waited.append(e)
        waiter = threading.Thread(target=wait_for_nothing)
        waiter.start()
        c = psycopg2.connect(server.dsn('bob', password='builder'))
        c.autocommit = True
        cur = c.cursor()
        deadline = time.time() + 10
        while True:
            cur.execute('SHOW hindsight_sessions')
            rows = {r[0]: r for r in cur.fetchall()}
            assert [d.name for d in cur.description][:2] == ['pid', 'user'] and len(rows) == 3, rows
            active = [r for r in rows.values() if r[6] == 'active' and r[9].startswith('await')]
            if active or time.time() > deadline:
                break
            time.sleep(0.05)
        assert active, rows
        waiting_pid = active[0][0]
        assert waiting_pid == b_pid, (waiting_pid, b_pid)
        alice = [r for r in rows.values() if r[1] == 'alice'][0]
        assert alice[2] == 'loader' and alice[6] == 'idle in transaction', alice
        assert alice[9] == '<insufficient privilege>', alice  # bob is read-only: another user's statement
        assert isinstance(alice[5], datetime.datetime) and alice[5] <= alice[7], alice
        # psql shows the same to alice, her own statement included.
        r = psql(server, '-c', 'SHOW hindsight_sessions', user='alice', env=alice_env)
        assert r.returncode == 0 and 'assert Session open x = 1' in r.stdout and 'await tx 1000000' in r.stdout, \
            r.stdout + r.stderr
        # A read-only user signals only its own user's sessions.
        try:
            cur.execute('SELECT pg_cancel_backend(%d)' % alice[0])
            raise AssertionError('a read-only user cancelled another user\'s session')
        except psycopg2.errors.InsufficientPrivilege:
            pass
        cur.execute('SELECT pg_cancel_backend(%d)' % waiting_pid)
        assert cur.fetchone()[0] is True
        waiter.join(10)
        assert len(waited) == 1 and isinstance(waited[0], psycopg2.errors.QueryCanceled), waited
        b.cursor().execute('count * * *')  # the cancelled session goes on
        # Ending a session rolls its open transaction back.
        r = psql(server, '-c', 'SELECT pg_terminate_backend(%d)' % alice[0], user='alice', env=alice_env)
        assert r.returncode == 0 and ' t\n' in r.stdout, r.stdout + r.stderr
        line = await_stderr(server, 'session %d (user alice from 127.0.0.1:' % alice[0])
        assert re.search(r'ended by session \d+ \(user alice\)$', line), line
        try:
            a.cursor().execute('count * * *')
            raise AssertionError('an ended session went on')
        except psycopg2.OperationalError:
            pass
        cur.execute('count Session * *')
        assert cur.fetchone()[0] == 0
        cur.execute('SHOW hindsight_sessions')
        assert alice[0] not in [r[0] for r in cur.fetchall()]
        assert server.stop() == 0
    finally:
        cleanup()


def test_statement_timeout_from_the_server_the_connection_and_set():
    r = run([TOOL, 'serve', '--statement-timeout', 'forever', new_db('timeouts-bad', demo=False)])
    assert r.returncode == 2 and '--statement-timeout takes' in r.stderr, r.stderr
    server = Server(new_db('timeouts'), '--statement-timeout', '300ms', '--log-min-duration-statement', '250')
    wait_long = 'await tx 1000000 timeout 1s'  # runs 1 s, then fails unless cancelled first
    try:
        a = psycopg2.connect(server.dsn())
        a.autocommit = True
        cur = a.cursor()
        cur.execute('SHOW statement_timeout')
        assert cur.fetchone()[0] == '300ms'
        try:
            cur.execute(wait_long)
            raise AssertionError('a statement outlived the server\'s statement_timeout')
        except psycopg2.errors.QueryCanceled as e:
            assert 'canceling statement due to statement timeout' in str(e), e
        # Statements as long as --log-min-duration-statement are logged.
        line = await_stderr(server, 'await tx 1000000')
        assert re.search(r'hindsight: session \d+ \(user tester\): duration \d+\.\d{3} ms \(failed\): '
                         r'await tx 1000000 timeout 1s$', line), line
        cur.execute('count * * *')  # the session goes on
        cur.execute('SET statement_timeout = 0')
        try:
            cur.execute(wait_long)
            raise AssertionError('await tx of a transaction never committed returned')
        except psycopg2.errors.QueryCanceled as e:
            assert 'is not here after 1s' in str(e), e  # its own timeout, not the statement's
        # From the connection's options, as libpq and drivers send them.
        b = psycopg2.connect(server.dsn(), options='-c statement_timeout=5min')
        cur = b.cursor()
        cur.execute('SHOW statement_timeout')
        assert cur.fetchone()[0] == '5min'
        b.close()
        r = psql(server, '-c', 'SHOW statement_timeout', '-c', 'await tx 2000000\n\ttimeout 1s',
                 env={'PGOPTIONS': '-c statement_timeout=400'})
        assert ' 400ms' in r.stdout and 'canceling statement due to statement timeout' in r.stderr, r.stdout + r.stderr
        line = await_stderr(server, 'await tx 2000000')
        assert line.endswith('(failed): await tx 2000000 timeout 1s'), line  # on one line
        try:
            psycopg2.connect(server.dsn(), options='-c statement_timeout=never')
            raise AssertionError('a bad statement_timeout was taken')
        except psycopg2.OperationalError as e:
            assert 'invalid value for parameter "statement_timeout": "never"' in str(e), e
        a.close()
        assert server.stop() == 0
    finally:
        cleanup()


def test_connection_limits_vanishing_and_slow_clients():
    db = new_db('limits', demo=False)
    wl = os.path.join(WORK, 'limits-wl')
    assert run([os.path.join(os.path.dirname(TOOL), '..', 'bench', 'workload', 'hindsight-workload'), '--keys',
                '20000', '--queries', '10', '--out', wl]).returncode == 0
    assert run([TOOL, 'import', '--bulk', db, os.path.join(wl, 'ops.tsv')]).returncode == 0
    server = Server(db, '--max-connections', '3', '--idle-in-transaction-timeout', '2',
                    '--authentication-timeout', '1')
    try:
        # Clients that stall in start-up (silent, or half a start-up packet)
        # are disconnected after the authentication timeout.
        silent = socket.create_connection(('127.0.0.1', server.port), timeout=10)
        half = socket.create_connection(('127.0.0.1', server.port), timeout=10)
        half.sendall(struct.pack('!I', 40) + b'\x00\x03')
        start = time.time()
        for stalled in (silent, half):
            assert stalled.recv(4096) == b'', 'a stalled client got an answer'
            stalled.close()
        assert time.time() - start < 5, 'stalled clients were kept %.1f s' % (time.time() - start)
        a, b = psycopg2.connect(server.dsn()), psycopg2.connect(server.dsn())
        # A client that asks for big answers and never reads them.
        hog = raw_startup(server.port)
        hog.sendall(query_message('history * * *') * 20)
        assert_no_room(server, 'a fourth client was accepted')
        # The others are served meanwhile.
        start = time.time()
        cur = a.cursor()
        for _ in range(20):
            cur.execute('count * * * at 2000')
            cur.fetchall()
        assert time.time() - start < 10, 'other clients were held up by one that does not read'
        a.rollback()
        # A client that vanishes mid-transaction: nothing of it is applied.
        cur = b.cursor()
        cur.execute('assert Vanished client x = 1 from 2020')
        b.close()
        hog.close()
        time.sleep(0.5)
        c = psycopg2.connect(server.dsn())
        cur = c.cursor()
        cur.execute('count Vanished * *')
        assert cur.fetchone()[0] == 0
        c.rollback()
        # A cancel stops a long read with 57014; the session goes on.
        timer = threading.Timer(0.1, c.cancel)
        timer.start()
        try:
            cur.execute('history * * *')
            cur.fetchall()
            raise AssertionError('the read was not cancelled')
        except psycopg2.errors.QueryCanceled:
            pass
        c.rollback()
        cur.execute('count * * * at 2000')
        assert cur.fetchone()[0] > 0
        c.rollback()
        # A client idle inside a transaction is disconnected, its transaction dropped.
        cur.execute('assert Idle client x = 1 from 2020')
        time.sleep(3)
        try:
            cur.execute('count * * *')
            raise AssertionError('an idle transaction outlived its timeout')
        except psycopg2.Error as e:
            assert 'idle-in-transaction timeout' in str(e) or isinstance(e, psycopg2.OperationalError), e
        d = psycopg2.connect(server.dsn())
        cur = d.cursor()
        cur.execute('count Idle * *')
        assert cur.fetchone()[0] == 0
        d.close()
        a.close()
        assert server.stop() == 0
    finally:
        cleanup()


def test_a_client_whose_machine_vanished_is_let_go():
    """A client whose machine or network is gone never closes its
    connection; the server's keepalive probes find it gone and free its
    slot. The client's socket is made to vanish with TCP_REPAIR (closed
    without a word to the server, as a machine that lost its power),
    which needs CAP_NET_ADMIN: as another user the check runs in a user
    and network namespace of its own, with a loopback of its own."""
    if os.geteuid() != 0 and not os.environ.get('HINDSIGHT_OWN_NETWORK'):
        name = 'test_a_client_whose_machine_vanished_is_let_go'
        r = run(['unshare', '-rn', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', sys.executable,
                 os.path.abspath(__file__), TOOL, name], env=dict(os.environ, HINDSIGHT_OWN_NETWORK='1'))
        assert r.returncode == 0 and 'ok      ' + name in r.stdout, r.stdout + r.stderr
        return
    tcp_repair = 19  # linux/tcp.h
    server = Server(new_db('vanished'), '--max-connections', '1', '--tcp-keepalive', '2')
    try:
        gone = raw_startup(server.port)
        gone.setsockopt(socket.IPPROTO_TCP, tcp_repair, 1)
        gone.close()  # in repair mode: no FIN, no RST; the server hears nothing
        assert_no_room(server, 'a second client was accepted while the first held the only slot')
        # Silent 2 s, then probes 0.5 s apart; the first is answered with a
        # reset (the client's kernel no longer knows the connection).
        start = time.time()
        while True:
            try:
                conn = psycopg2.connect(server.dsn())
                break
            except psycopg2.OperationalError as e:
                assert 'too many clients' in str(e), e
                assert time.time() - start < 10, 'the vanished client kept its slot %.1f s' % (time.time() - start)
                time.sleep(0.2)
        took = time.time() - start
        cur = conn.cursor()
        cur.execute('count * * *')
        assert cur.fetchone()[0] == 35
        conn.close()
        assert server.stop() == 0
        print('        the slot of a vanished client was free again after %.1f s' % took, flush=True)
    finally:
        cleanup()


def test_a_server_out_of_descriptors_rests_and_serves_again():
    db = new_db('descriptors')
    server = Server(db, max_files=64)
    try:
        # Served once with descriptors to spare. (This also keeps UBSan, in
        # the sanitizers' run, from taking a thread's end without
        # descriptors for a bad vptr: it checks a type's first vptr through
        # a pipe, and caches what it found. Asio's timer queue, first met
        # out of descriptors, it leaves unchecked: cmake/sanitizer_ignorelist.txt.)
        r = psql(server, '-Atc', 'count * * *')
        assert r.returncode == 0 and int(r.stdout) > 0, (r.stdout, r.stderr)
        # More clients than descriptors: those past the limit wait in the
        # listen queue, and the server does not spin on them.
        waiting = [socket.create_connection(('127.0.0.1', server.port), timeout=10) for _ in range(80)]
        time.sleep(0.5)
        before = server.cpu_seconds()
        time.sleep(2)
        spent = server.cpu_seconds() - before
        assert spent < 0.5, 'the server used %.2f s of CPU in 2 s while out of descriptors' % spent
        for s in waiting:
            s.close()
        r = psql(server, '-Atc', 'count * * *')
        assert r.returncode == 0 and int(r.stdout) > 0, (r.stdout, r.stderr)
        assert server.stop() == 0
        err = server.proc.stderr.read()
        assert 'cannot accept a connection: Too many open files' in err, err
        assert 'ulimit -n' in err, err
    finally:
        cleanup()


def test_short_connections_are_served_by_the_threads_of_those_before():
    # A thread per connection, each started anew, gave every short
    # connection's commit the same skip-list heights in RocksDB's memtable
    # (their generator is seeded by the thread id, which glibc repeats):
    # the memtable became a list, and commits slowed without end.
    db = new_db('short-connections')
    server = Server(db)
    try:
        def threads():
            return set(os.listdir('/proc/%d/task' % server.proc.pid))
        seen = threads()
        before = len(seen)
        for i in range(40):
            conn = psycopg2.connect(server.dsn())
            conn.autocommit = True
            conn.cursor().execute("assert 'short%d' 'p' 'o' = %d from 2020" % (i, i))
            seen |= threads()
            conn.close()
            time.sleep(0.02)  # for its thread to be waiting for the next
        # (Two: a connection may come before the last one's thread waits.)
        assert len(seen) <= before + 2, '%d threads served 40 connections one after another' % (len(seen) - before)
        # Eight at once, twice: eight threads, the second time the same ones.
        for round in range(2):
            conns = [psycopg2.connect(server.dsn()) for _ in range(8)]
            for n, conn in enumerate(conns):
                conn.autocommit = True
                conn.cursor().execute("assert 'wide%d' 'p' 'o' = %d from 2020" % (round * 8 + n, n))
            seen |= threads()
            for conn in conns:
                conn.close()
            time.sleep(0.2)
        assert len(seen) <= before + 9, '%d threads served at most 8 connections at once' % (len(seen) - before)
        r = psql(server, '-Atc', "count * 'p' 'o'")
        assert r.returncode == 0 and r.stdout.strip() == '56', (r.stdout, r.stderr)
        assert server.stop() == 0
    finally:
        cleanup()


def test_a_session_past_its_memory_fails_and_the_server_stays_small():
    db = new_db('session-memory')
    # Under ASan the server's freed memory waits in a quarantine (256 MB by
    # default) before reuse; a small one keeps its size to what it holds.
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get('ASAN_OPTIONS', '') + ':quarantine_size_mb=1')
    server = Server(db, '--max-session-memory', '8M', env=env)
    try:
        conn = psycopg2.connect(server.dsn())
        cur = conn.cursor()
        cur.execute('count * * *')
        before = cur.fetchone()[0]
        rss_before = server.rss_kb()
        # A client that keeps writing into one open transaction, in statements
        # of 1,000 writes, long after it has failed.
        failed_at = None
        for batch in range(1000):
            writes = ';'.join('assert Big%d p O%d = "a value of some length, %d" from 2020' % (batch, i, i)
                              for i in range(1000))
            try:
                cur.execute(writes)
            except psycopg2.errors.ProgramLimitExceeded as e:
                assert failed_at is None, 'the limit was reported twice'
                assert '--max-session-memory' in (e.diag.message_hint or ''), e.diag.message_hint
                failed_at = batch
            except psycopg2.errors.InFailedSqlTransaction:
                assert failed_at is not None, 'failed before the limit'
        assert failed_at is not None and 5 <= failed_at < 100, failed_at
        # 1,000,000 writes held would take ~400 MB; the server holds at most
        # the limit and one statement's.
        grown_mb = (server.rss_kb() - rss_before) / 1024
        assert grown_mb < 100, 'the server grew by %.0f MB' % grown_mb
        conn.rollback()
        cur.execute('count * * *')
        assert cur.fetchone()[0] == before, 'part of the failed transaction was written'
        # The session goes on; a smaller transaction commits.
        cur.execute(';'.join('assert Small p O%d = 1 from 2020' % i for i in range(100)))
        conn.commit()
        cur.execute('count Small * *')
        assert cur.fetchone()[0] == 100
        conn.close()
        # A client that prepares statement after statement, never closing
        # one: past the limit each Parse is refused, and the server keeps
        # none of them.
        raw = raw_startup(server.port)
        text = b'Small * * at 2020 ' + b' ' * 4000 + b'\0'
        refused = []
        for batch in range(500):
            raw.sendall(b''.join(message(b'P', b'st%d_%d\0' % (batch, i) + text + b'\0\0') for i in range(100)) +
                        message(b'S', b''))
            if b'54000' in read_until_ready(raw):  # one error a Sync: the rest is skipped until it
                refused.append(batch)
        assert refused and 3 <= refused[0] < 20 and refused == list(range(refused[0], 500)), refused[:5]
        raw.close()
        # A client that binds portal after portal with a parameter of 4 KB,
        # never closing one: each Sync outside a block ends them, as
        # PostgreSQL's do; inside a block, a Bind past the limit is refused.
        raw = raw_startup(server.port)
        raw.sendall(message(b'P', b'named\0Small * $1\0\0\0') + message(b'S', b''))
        assert read_until_ready(raw).startswith(b'1'), 'Parse failed'
        value = b'x' * 4000

        def binds(names):
            return b''.join(message(b'B', name + b'\0named\0\0\0\0\x01' + struct.pack('!i', len(value)) + value +
                                    b'\0\0') for name in names)

        for batch in range(500):
            raw.sendall(binds(b'p%d_%d' % (batch, i) for i in range(100)) + message(b'S', b''))
            answer = read_until_ready(raw)
            assert answer.count(b'2\x00\x00\x00\x04') == 100, (batch, answer[-200:])
        raw.sendall(query_message('BEGIN'))
        read_until_ready(raw, b'T')
        raw.sendall(binds(b'b%d' % i for i in range(5000)) + message(b'S', b''))
        answer = read_until_ready(raw, b'E')
        assert b'54000' in answer and 1000 < answer.count(b'2\x00\x00\x00\x04') < 2100, answer[-200:]
        raw.close()
        grown_mb = (server.rss_kb() - rss_before) / 1024
        assert grown_mb < 100, 'the server grew by %.0f MB' % grown_mb
        assert server.stop() == 0
    finally:
        cleanup()


def test_connections_keep_no_large_message_they_were_sent():
    db = new_db('large-messages')
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get('ASAN_OPTIONS', '') + ':quarantine_size_mb=1')
    server = Server(db, env=env)
    try:
        rss_before = server.rss_kb()
        # Twenty connections, each sent one query of 4 MB (refused: its name
        # is too long), then a small one; all stay open. A connection that
        # kept the buffers of its largest message would hold ~12 MB each.
        sockets = []
        for _ in range(20):
            raw = raw_startup(server.port)
            raw.sendall(query_message('count "' + 'x' * (4 << 20) + '" * *'))
            assert b'longer than' in read_until_ready(raw)
            raw.sendall(query_message('count * * *'))
            read_until_ready(raw)
            sockets.append(raw)
        grown_mb = (server.rss_kb() - rss_before) / 1024
        assert grown_mb < 100, 'the server grew by %.0f MB' % grown_mb
        for raw in sockets:
            raw.close()
        assert server.stop() == 0
    finally:
        cleanup()


def test_sigterm_under_load_loses_nothing_acknowledged():
    db = new_db('sigterm', demo=False)
    server = Server(db)
    acknowledged = []
    stop = threading.Event()

    def writer(n):
        try:
            conn = psycopg2.connect(server.dsn())
            conn.autocommit = True
            cur = conn.cursor()
            for i in range(10000):
                if stop.is_set():
                    break
                del conn.notices[:]
                cur.execute('assert W%d k%d v = %d from 2020' % (n, i, i))
                m = re.search(r'committed transaction (\d+)', ''.join(conn.notices))
                acknowledged.append(int(m.group(1)))
        except psycopg2.Error:
            pass  # the server went away, as it was told to

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    try:
        for t in threads:
            t.start()
        time.sleep(1.5)
        status = server.stop()
        stop.set()
        for t in threads:
            t.join()
        assert status == 0, status
        assert len(acknowledged) > 20, len(acknowledged)
        ids = [int(line.split('\t')[0]) for line in run([TOOL, 'log', db]).stdout.splitlines()]
        assert set(acknowledged) <= set(ids) and ids == list(range(1, len(ids) + 1)), (len(acknowledged), len(ids))
    finally:
        stop.set()
        cleanup()


def raw_startup(port, user='raw', receive_buffer=None):
    s = socket.socket()
    s.settimeout(10)
    if receive_buffer:  # before connecting, so that the window stays that small
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    s.connect(('127.0.0.1', port))
    body = struct.pack('!I', 196608) + b'user\0' + user.encode() + b'\0\0'
    s.sendall(struct.pack('!I', len(body) + 4) + body)
    data = b''
    while not data.endswith(b'Z\x00\x00\x00\x05I'):
        chunk = s.recv(4096)
        assert chunk, data
        data += chunk
    return s


def assert_no_room(server, accepted):
    """A new client is refused with 53300; `accepted` says what went wrong if not."""
    try:
        psycopg2.connect(server.dsn())
        raise AssertionError(accepted)
    except psycopg2.OperationalError as e:
        assert 'too many clients' in str(e), e


def message(kind, body):
    return kind + struct.pack('!I', len(body) + 4) + body


def query_message(q):
    return message(b'Q', q.encode() + b'\0')


def read_until_ready(sock, status=b'I'):
    data = b''
    while not data.endswith(b'Z\x00\x00\x00\x05' + status):
        chunk = sock.recv(65536)
        assert chunk, data[-200:]
        data += chunk
    return data


def test_random_truncated_and_oversized_messages():
    server = Server(new_db('garbage'))
    try:
        rng = random.Random(7)
        rss_before = server.rss_kb()
        cases = [
            struct.pack('!I', 0x7FFFFFFF) + b'\0\0\0\0',             # a 2 GB start-up packet
            struct.pack('!I', 8) + struct.pack('!I', 1234),          # an unknown protocol
            struct.pack('!I', 3),                                    # a length shorter than itself
            b'\x00\x00',                                             # truncated
        ]
        for _ in range(40):
            cases.append(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300))))
        typed = [b'Q' + struct.pack('!I', 0x7FFFFFFF), b'Q' + struct.pack('!I', 2), b'P\x00\x00\x00\x08ab',
                 b'B' + struct.pack('!I', 12) + b'\0\0\xff\xff\xff\xff', b'\x00' + struct.pack('!I', 4),
                 b'D\x00\x00\x00\x06Z\x00', b'E\x00\x00\x00\x04']
        for _ in range(40):
            t = bytes([rng.choice(b'QPBDECSHXpdf')])
            body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200)))
            typed.append(t + struct.pack('!I', len(body) + 4 + rng.choice([0, 0, 1, -1])) + body)
        survivor = psycopg2.connect(server.dsn())
        cur = survivor.cursor()
        for i, case in enumerate(cases + typed):
            s = raw_startup(server.port) if i >= len(cases) else socket.create_connection(('127.0.0.1', server.port))
            s.settimeout(5)
            try:
                s.sendall(case)
                s.shutdown(socket.SHUT_WR)
                while s.recv(65536):
                    pass  # an error, or the connection closed
            except OSError:  # reset, broken pipe, not connected, timeout
                pass
            finally:
                s.close()
            if i % 10 == 0:
                cur.execute('count * * *')
                assert cur.fetchone()[0] == 35
                survivor.rollback()
        assert server.rss_kb() < rss_before + 200_000, (rss_before, server.rss_kb())
        survivor.close()
        assert server.stop() == 0
    finally:
        cleanup()


def test_application_name_set_reaches_the_driver_and_the_sessions_list():
    server = Server(new_db('application-name', demo=False))
    try:
        conn = psycopg.connect(server.dsn(application_name='loader'), autocommit=True)
        other = psycopg.connect(server.dsn(), autocommit=True)

        def listed():
            rows = other.execute('SHOW hindsight_sessions').fetchall()
            return [r[2] for r in rows if r[0] == conn.info.backend_pid][0]
        assert conn.info.parameter_status('application_name') == 'loader' and listed() == 'loader'
        conn.execute("SET application_name = 'notebook 7'")
        assert conn.info.parameter_status('application_name') == 'notebook 7'  # told, as PostgreSQL tells it
        assert conn.execute('SHOW application_name').fetchone()[0] == 'notebook 7'
        assert listed() == 'notebook 7'
        conn.execute('RESET application_name')
        assert conn.info.parameter_status('application_name') == 'loader' and listed() == 'loader'
        r = psql(server, '-c', "SET application_name = 'from psql'", '-c', 'SHOW application_name')
        assert r.returncode == 0 and 'from psql' in r.stdout, r.stdout + r.stderr
        conn.close()
        other.close()
        assert server.stop() == 0
    finally:
        cleanup()


def test_a_terminated_session_runs_nothing_more():
    # The statement a client sends right after its session was ended must
    # not run: the server's thread may see it before it sees the end, as it
    # may on a busy machine (made here).
    server = Server(new_db('terminated', demo=False))
    busy = [subprocess.Popen([sys.executable, '-c', 'while True: pass']) for _ in range(os.cpu_count() or 1)]
    try:
        admin = psycopg2.connect(server.dsn())
        admin.autocommit = True
        cur = admin.cursor()
        ran = []
        for i in range(100):
            victim = psycopg2.connect(server.dsn())
            own = victim.cursor()
            own.execute('SELECT pg_backend_pid()')
            pid = own.fetchone()[0]
            own.execute('assert Ended%d p o = 1' % i)  # left open: psycopg2 began a transaction
            cur.execute('SELECT pg_terminate_backend(%d)' % pid)
            try:
                own.execute('assert After%d p o = 1' % i)
                ran.append(i)
            except psycopg2.OperationalError as e:
                assert 'administrator command' in str(e) or 'closed' in str(e), e
            victim.close()
        assert not ran, 'statements ran after their session was ended: %s' % ran
        cur.execute('count * * *')
        assert cur.fetchone()[0] == 0
        assert server.stop() == 0
    finally:
        for b in busy:
            b.kill()
            b.wait()
        cleanup()


def cleanup():
    for s in list(SERVERS):
        if s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()
        SERVERS.remove(s)


def main():
    global TOOL, WORK
    TOOL = os.path.abspath(sys.argv[1])
    WORK = tempfile.mkdtemp(prefix='hindsight-server-test-')
    tests = [(name, fn) for name, fn in sorted(globals().items()) if name.startswith('test_')]
    only = sys.argv[2:]
    failed = 0
    try:
        for name, fn in tests:
            if only and name not in only:
                continue
            start = time.time()
            try:
                fn()
                print('ok      %s (%.1f s)' % (name, time.time() - start), flush=True)
            except Exception:
                failed += 1
                print('FAILED  %s\n%s' % (name, traceback.format_exc()), flush=True)
    finally:
        cleanup()
        shutil.rmtree(WORK, ignore_errors=True)
    ran = len(only) if only else len(tests)
    print('server: %d passed, %d failed' % (ran - failed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
