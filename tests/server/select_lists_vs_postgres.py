#!/usr/bin/env python3
"""Random select lists (SELECT without FROM: constants, casts, functions of
the session, names) sent to a real PostgreSQL 15 and to `hindsight serve`,
which must answer alike: each column's name and type, each value as
psycopg2 reads it, or the same error (SQLSTATE, message, position).

PostgreSQL is Debian's postgresql-15 (scripts/install-deps.sh), started
here on a private port and directory, as the user postgres, and stopped by
its own pid. What the two answer differently by design is not generated:
version() and the server's version number, the clock, session pids,
operators, names without AS, and the input forms Hindsight does not read
(times other than ISO 8601's), and is_superuser (no Hindsight user is
one).

usage: select_lists_vs_postgres.py HINDSIGHT [STATEMENTS] [SEED]
"""
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import psycopg2

PG_BIN = '/usr/lib/postgresql/15/bin'
USER = 'postgres'  # both servers' session user (PostgreSQL's superuser), and so current_user


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_for(proc, port):
    """Waits until `proc` serves on `port`; kills it if it never does."""
    deadline = time.time() + 30
    while time.time() < deadline and proc.poll() is None:
        try:
            psycopg2.connect(host='127.0.0.1', port=port, user=USER, dbname=USER).close()
            return
        except psycopg2.OperationalError:
            time.sleep(0.1)
    proc.kill()
    proc.wait()
    raise AssertionError('no server on port %d' % port)


class Postgres:
    """PostgreSQL refuses to run as root: as root it runs as the user
    postgres (whom Debian's package adds), else as whoever runs this."""

    def __init__(self, work):
        self.dir = os.path.join(work, 'pgdata')
        self.port = free_port()
        os.makedirs(self.dir)
        self.user = pwd.getpwnam('postgres') if os.geteuid() == 0 else None
        if self.user:
            os.chown(work, self.user.pw_uid, self.user.pw_gid)
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        subprocess.run([os.path.join(PG_BIN, 'initdb'), '-D', self.dir, '-A', 'trust', '-U', USER, '-E', 'UTF8',
                        '--locale=C.UTF-8'], preexec_fn=self.as_user, check=True, capture_output=True)
        with open(os.path.join(self.dir, 'postgresql.conf'), 'a') as f:
            f.write("listen_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\ntimezone = 'UTC'\n"
                    "datestyle = 'ISO, MDY'\n" % (self.port, self.dir))
        self.proc = subprocess.Popen([os.path.join(PG_BIN, 'postgres'), '-D', self.dir], preexec_fn=self.as_user,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.proc, self.port)

    def as_user(self):
        if self.user:
            os.setgid(self.user.pw_gid)
            os.setuid(self.user.pw_uid)

    def stop(self):
        self.proc.send_signal(signal.SIGINT)  # a fast shutdown
        self.proc.wait(timeout=60)


class Hindsight:
    def __init__(self, tool, work):
        self.port = free_port()
        self.proc = subprocess.Popen([tool, 'serve', os.path.join(work, 'db'), '--listen', '127.0.0.1:%d' % self.port],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.proc, self.port)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=60) == 0


# --- random select lists ---

TYPES = ['int2', 'smallint', 'int4', 'int', 'integer', 'int8', 'bigint', 'numeric', 'decimal', 'float8', 'float',
         'double precision', 'text', 'varchar', 'character varying', 'name', 'bool', 'boolean', 'date', 'timestamptz',
         'timestamp with time zone']
SETTINGS = ['DateStyle', 'TimeZone', 'integer_datetimes', 'standard_conforming_strings', 'server_encoding',
            'client_encoding', 'search_path', 'transaction_isolation', 'no_such_setting']


TIME_STRINGS = ("'2024-02-29'", "'2025-01-02'", "'2025-01-02 10:30:00+00'", "'2025-01-02 10:30:00.5+00'",
                "'2025-01-02T10:30:00Z'", "'1999-12-31 23:59:59.999999+00'", "'infinity'", "'-infinity'")


def number(rng):
    kind = rng.randrange(6)
    if kind == 0:
        return str(rng.choice([0, 1, 7, 32767, 32768, 65535, 2147483647, 2147483648, 9223372036854775807,
                               9223372036854775808, 99999999999999999999]))
    if kind == 1:
        return str(rng.randrange(10 ** rng.randrange(1, 19)))
    if kind == 2:
        return '%d.%s' % (rng.randrange(1000), ''.join(rng.choice('0123456789') for _ in range(rng.randrange(1, 8))))
    if kind == 3:
        return rng.choice(['.5', '5.', '007', '00.10', '0.0', '2.5', '3.5', '-2.5', '1.5', '0.000001'])
    if kind == 4:
        return '%d%s%se%s%d' % (rng.randrange(100), rng.choice(['', '.']), rng.choice(['', '5', '25']),
                                rng.choice(['', '+', '-']), rng.randrange(25))
    return '-%s' % rng.randrange(1, 10 ** rng.randrange(1, 12))


def string(rng):
    return "'%s'" % rng.choice([
        '12', ' 12 ', '+5', '-0', '1.50', ' 1.5 ', '.5', '5.', 'abc', '', 'true', 'f', 'yes', 'off', 'on', 'n', '1',
        '0', 'TRUE', ' t ', 'maybe', '2024-02-29', '2025-01-02', '2025-01-02 10:30:00+00', '2025-01-02 10:30:00.5+00',
        '2025-01-02T10:30:00Z', '1999-12-31 23:59:59.999999+00', 'infinity', '-infinity', '32767', '-32768', '32768',
        '2147483648', '99999999999999999999', '3000000000', '1e5', 'it''s', 'Côte d''Ivoire', 'inf', '-inf',
        'Infinity', '1e308', '0.1', '123456.789', '1e-7'])


def primary(rng):
    kind = rng.randrange(10)
    if kind < 3:
        return number(rng), 'number'
    if kind < 6:
        return string(rng), 'string'
    if kind == 6:
        return rng.choice(['TRUE', 'false', 'NULL']), 'constant'
    if kind == 7:
        return rng.choice(['current_user', 'session_user', 'user', 'current_role', 'current_catalog',
                           'current_schema', 'current_schema()', 'pg_catalog.current_database()',
                           'current_database()', 'pg_is_in_recovery()', 'pg_advisory_unlock_all()']), 'function'
    if kind == 8:
        name = rng.choice(SETTINGS)
        return ("current_setting('%s'%s)" % (name, rng.choice(['', ', true', ', false']))), 'function'
    return rng.choice(['foo()', 'pg_catalog.no_such(1)', "no_such('A', 2.5, true)"]), 'function'


TIME_TYPES = ('date', 'timestamptz', 'timestamp with time zone')
STRING_TYPES = ('text', 'varchar', 'character varying', 'name')


def item(rng, i):
    text, kind = primary(rng)
    casts = [rng.choice(TYPES) for _ in range(rng.choice([0, 0, 1, 1, 1, 2]))]
    # A time read from text only from an ISO 8601 time or a word: PostgreSQL
    # reads more forms ('20240102' is a date there).
    before = casts[:[c in TIME_TYPES for c in casts].index(True)] if any(c in TIME_TYPES for c in casts) else None
    readable = text in TIME_STRINGS or (kind == 'string' and re.fullmatch(r"'[ a-zA-Z]*'", text))
    if before is not None and not (readable and all(c in STRING_TYPES for c in before)):
        casts = [c for c in casts if c not in TIME_TYPES]
    text += ''.join('::' + c for c in casts)
    if rng.randrange(3) == 0:
        text += ' AS ' + rng.choice(['c%d' % i, '"Col %d"' % i, 'value'])
    return text


def statement(rng):
    return 'SELECT ' + ', '.join(item(rng, i) for i in range(rng.randrange(1, 5)))


def answer(port, sql):
    conn = psycopg2.connect(host='127.0.0.1', port=port, user=USER, dbname=USER)
    try:
        cur = conn.cursor()
        try:
            cur.execute(sql)
        except psycopg2.Error as e:
            return ('error', e.pgcode, e.pgerror.splitlines()[0], e.diag.statement_position)
        return ('rows', [(d.name, d.type_code) for d in cur.description], cur.fetchall())
    finally:
        conn.close()


def main():
    tool = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else random.randrange(1 << 30)
    if not os.path.exists(os.path.join(PG_BIN, 'postgres')):
        raise SystemExit('PostgreSQL 15 is missing (scripts/install-deps.sh installs it)')
    work = tempfile.mkdtemp(prefix='hindsight-select-lists-')
    pg = hs = None
    failed = 0
    try:
        pg = Postgres(work)
        hs = Hindsight(tool, work)
        rng = random.Random(seed)
        for _ in range(count):
            sql = statement(rng)
            want, got = answer(pg.port, sql), answer(hs.port, sql)
            if want != got:
                failed += 1
                if failed <= 20:
                    print('%s\n  postgres:  %r\n  hindsight: %r' % (sql, want, got))
        print('select lists vs PostgreSQL (seed %d): %d compared, %d differ' % (seed, count, failed))
    finally:
        if hs:
            hs.stop()
        if pg:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
