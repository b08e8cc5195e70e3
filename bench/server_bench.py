#!/usr/bin/python3
"""pgbench against `hindsight serve` and against PostgreSQL 15, side by side.

Both servers hold the same bitemporal rows: Hindsight imports a generated
workload (bench/workload), PostgreSQL gets every history row of it in one
table indexed as the SQLite peer of the macro bench is ((s,p,o,txto,vfrom),
(o,s,p,txto,vfrom), (p,txto,vfrom,vto)). Each class runs the same queries on
both (the Hindsight statement and its SQL), chosen at random among up to 100
of the workload's, with pgbench at 1, 8 and 32 clients in simple and prepared
mode; then 1-operation write transactions with sync on both (PostgreSQL:
synchronous_commit on, its default). Point reads and writes also run at 8
clients in "connect" mode: a new connection for each transaction (pgbench
-C), as an application that connects for each request. PostgreSQL runs in a private data
directory on a private port, started and stopped by this script.

usage: server_bench.py [--quick] [--keys N] [--seconds S] [--work DIR] BUILD_DIR
Prints a Markdown table: QPS and p50/p99 latency per class, clients and mode.
"""
import argparse
import datetime
import glob
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

PG_BIN = '/usr/lib/postgresql/15/bin'
CLASSES = ['point', 'bitemporal', 'subject', 'slice']


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def unescape(name):
    return re.sub(r'\\(.)', lambda m: {'t': '\t', 'n': '\n', 'r': '\r', '\\': '\\'}[m.group(1)], name)


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def pg_time(literal):
    """A Hindsight time literal as a PostgreSQL timestamptz literal (UTC)."""
    if literal in ('+inf', '-inf'):
        return 'infinity' if literal == '+inf' else '-infinity'
    if re.fullmatch(r'\d{4}', literal):
        literal += '-01-01'
    elif re.fullmatch(r'\d{4}-\d{2}', literal):
        literal += '-01'
    t = datetime.datetime.fromisoformat(literal)
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return t.astimezone(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S.%f+00')


def queries(workload, cls, limit=100):
    """(Hindsight statement, SQL) pairs of the class."""
    out = []
    with open(os.path.join(workload, 'q_%s.tsv' % cls), encoding='utf-8') as f:
        for line in f:
            fields = line.rstrip('\n').split('\t')
            s, p, o, v = (unescape(x) if x != '*' else None for x in fields[1:5])
            as_of = fields[5] if len(fields) > 5 else ''
            terms = ' '.join(sql_string(x) if x is not None else '*' for x in (s, p, o))
            hs = '%s at %s' % (terms, sql_string(fields[4]))
            where = ['%s = %s' % (c, sql_string(x)) for c, x in (('s', s), ('p', p), ('o', o)) if x is not None]
            vt = pg_time(fields[4])
            where.append("vfrom <= '%s' AND '%s' < vto" % (vt, vt))
            if as_of:
                hs += ' as of %s' % sql_string(as_of)
                t = pg_time(as_of)
                where.append("txfrom <= '%s' AND '%s' < txto" % (t, t))
            else:
                where.append("txto = 'infinity'")
            sql = 'SELECT s, p, o, value, vfrom, vto FROM facts WHERE %s ORDER BY s, p, o, vfrom' % ' AND '.join(where)
            out.append((hs, sql))
            if len(out) == limit:
                break
    return out


class Postgres:
    def __init__(self, work):
        self.dir = os.path.join(work, 'pgdata')
        self.port = free_port()
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        shutil.chown(self.dir, 'postgres', 'postgres')
        self.as_postgres([os.path.join(PG_BIN, 'initdb'), '-D', self.dir, '-A', 'trust', '-U', 'postgres',
                          '-E', 'UTF8', '--locale=C.UTF-8'])
        with open(os.path.join(self.dir, 'postgresql.conf'), 'a') as f:
            f.write("listen_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\n"
                    "timezone = 'UTC'\nmax_connections = 100\nshared_buffers = '1GB'\n"
                    "synchronous_commit = on\nfsync = on\n" % (self.port, self.dir))
        self.as_postgres([os.path.join(PG_BIN, 'pg_ctl'), '-D', self.dir, '-l', os.path.join(self.dir, 'log'),
                          '-w', 'start'])

    @staticmethod
    def as_postgres(args, **kw):
        subprocess.run(['runuser', '-u', 'postgres', '--'] + args, check=True, capture_output=True, **kw)

    def psql(self, *args, **kw):
        return subprocess.run(['psql', '-X', '-q', '-h', '127.0.0.1', '-p', str(self.port), '-U', 'postgres',
                               '-v', 'ON_ERROR_STOP=1', 'postgres', *args], check=True, capture_output=True,
                              text=True, **kw)

    def load(self, hindsight, db):
        """Every history row of `db`, with the peer's indexes."""
        rows = subprocess.run([hindsight, 'query', '--format', 'tsv', db, 'history * * *'], check=True,
                              capture_output=True, text=True).stdout
        conv = {'+inf': 'infinity', '-inf': '-infinity'}
        lines = []
        for line in rows.splitlines():
            f = line.split('\t')
            value = f[3].replace('\\', '\\\\') if f[3] else '\\N'
            lines.append('\t'.join(f[:3] + [value] + [conv.get(x, x) for x in f[4:8]]))
        self.psql('-c', 'CREATE TABLE facts (s text, p text, o text, value jsonb, vfrom timestamptz, '
                        'vto timestamptz, txfrom timestamptz, txto timestamptz)')
        self.psql('-c', 'COPY facts FROM STDIN', input='\n'.join(lines) + '\n')
        for cols in ['s, p, o, txto, vfrom', 'o, s, p, txto, vfrom', 'p, txto, vfrom, vto']:
            self.psql('-c', 'CREATE INDEX ON facts (%s)' % cols)
        self.psql('-c', 'VACUUM ANALYZE facts')
        return len(lines)

    def stop(self):
        self.as_postgres([os.path.join(PG_BIN, 'pg_ctl'), '-D', self.dir, '-m', 'fast', '-w', 'stop'])


class Hindsight:
    def __init__(self, hindsight, db):
        self.proc = subprocess.Popen([hindsight, 'serve', '--listen', '127.0.0.1:0', db],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.port = int(re.search(r':(\d+)', self.proc.stdout.readline().split(' on ')[1]).group(1))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)


def pgbench(port, user, scripts, clients, mode, seconds, work):
    """Runs pgbench; returns (tps, p50 ms, p99 ms, failed)."""
    logdir = tempfile.mkdtemp(dir=work)
    args = ['pgbench', '-n', '-h', '127.0.0.1', '-p', str(port), '-U', user, '-c', str(clients),
            '-j', str(min(clients, 2)), '-T', str(seconds), '-l', '--log-prefix', os.path.join(logdir, 'log')]
    args += ['-M', 'simple', '-C'] if mode == 'connect' else ['-M', mode]
    for path in scripts:
        args += ['-f', path]
    r = subprocess.run(args + ['postgres'], capture_output=True, text=True)
    tps = float(re.search(r'tps = ([0-9.]+)', r.stdout).group(1)) if 'tps = ' in r.stdout else 0.0
    failed = r.returncode != 0 or 'aborted' in r.stderr
    latencies = []
    for path in glob.glob(os.path.join(logdir, 'log*')):
        with open(path) as f:
            latencies += [int(line.split()[2]) for line in f if line.strip()]
    shutil.rmtree(logdir)
    if not latencies:
        return tps, 0.0, 0.0, True
    latencies.sort()
    p50 = latencies[len(latencies) // 2] / 1000
    p99 = latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)] / 1000
    return tps, p50, p99, failed or r.stderr.count('ERROR') > 0


def write_scripts(work, name, statements):
    paths = []
    for i, st in enumerate(statements):
        path = os.path.join(work, '%s-%d.sql' % (name, i))
        with open(path, 'w', encoding='utf-8') as f:
            f.write(st + ';\n')
        paths.append(path)
    return paths


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--quick', action='store_true', help='2,000 keys, 1 s a run, 1 and 8 clients')
    ap.add_argument('--keys', type=int, default=20000)
    ap.add_argument('--seconds', type=int, default=5)
    ap.add_argument('--work', default=None)
    ap.add_argument('build')
    a = ap.parse_args()
    if a.quick:
        a.keys, a.seconds = 2000, 1
    client_counts = [1, 8] if a.quick else [1, 8, 32]
    build = os.path.abspath(a.build)
    hindsight = os.path.join(build, 'tools', 'hindsight')
    work = a.work or tempfile.mkdtemp(prefix='hindsight-server-bench-')
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)
    wl = os.path.join(work, 'workload')
    subprocess.run([os.path.join(build, 'bench', 'workload', 'hindsight-workload'), '--keys', str(a.keys),
                    '--queries', '1000', '--out', wl], check=True)
    db = os.path.join(work, 'db')
    shutil.rmtree(db, ignore_errors=True)
    subprocess.run([hindsight, 'import', '--bulk', db, os.path.join(wl, 'ops.tsv')], check=True,
                   capture_output=True)
    pg = Postgres(work)
    servers = {}
    try:
        rows = pg.load(hindsight, db)
        print('server bench: %d keys, %d history rows in both; PostgreSQL 15 on port %d' % (a.keys, rows, pg.port),
              file=sys.stderr)
        hs = Hindsight(hindsight, db)
        servers = {'hindsight': hs}
        results = []
        classes = [(cls, queries(wl, cls)) for cls in CLASSES]
        write_hs = write_scripts(work, 'write-hs', ['\\set r random(1, 1000000000)\n'
                                                    'assert bench :client_id :r = 1 from 2020'])
        write_pg = write_scripts(work, 'write-pg', [
            '\\set r random(1, 1000000000)\nBEGIN;\n'
            "UPDATE facts SET txto = now() WHERE s = 'bench' AND p = :client_id::text AND o = :r::text "
            "AND txto = 'infinity';\n"
            "INSERT INTO facts VALUES ('bench', :client_id::text, :r::text, '1', '2020-01-01', 'infinity', now(), "
            "'infinity');\nEND"])
        for cls, qs in classes + [('write', None)]:
            hs_scripts = write_hs if qs is None else write_scripts(work, 'hs-' + cls, [h for h, _ in qs])
            pg_scripts = write_pg if qs is None else write_scripts(work, 'pg-' + cls, [s for _, s in qs])
            for clients in client_counts:
                connect = ['connect'] if clients == 8 and cls in ('point', 'write') else []
                for mode in ['simple', 'prepared'] + connect:
                    h = pgbench(hs.port, 'bench', hs_scripts, clients, mode, a.seconds, work)
                    p = pgbench(pg.port, 'postgres', pg_scripts, clients, mode, a.seconds, work)
                    results.append((cls, clients, mode, h, p))
                    print('  %s %d %s: hindsight %.0f tps, postgres %.0f tps' % (cls, clients, mode, h[0], p[0]),
                          file=sys.stderr)
        hs.stop()
    finally:
        for s in servers.values():
            if s.proc.poll() is None:
                s.proc.kill()
        pg.stop()
    print('| class | clients | mode | Hindsight QPS | p50 ms | p99 ms | PostgreSQL QPS | p50 ms | p99 ms | ratio |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    bad = False
    for cls, clients, mode, h, p in results:
        bad |= h[3] or p[3]
        print('| %s | %d | %s | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f | %.2fx |' % (
            cls, clients, mode, h[0], h[1], h[2], p[0], p[1], p[2], h[0] / p[0] if p[0] else 0))
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    if bad:
        print('server bench: some runs had errors', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
