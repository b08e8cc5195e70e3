#!/usr/bin/python3
"""A full disk: real commands and a real server on a small tmpfs.

The database lives on a tmpfs of a few megabytes, mounted in a mount
namespace of the test's own (`unshare -m` as root, `unshare -rm` otherwise),
so the mount goes when the test does. Checks:

- an import into a new database on a disk too small fails with "the disk is
  full" and leaves nothing behind;
- an import into a database with data fails the same way, without killing
  the process, and commits nothing of what failed;
- on the full disk `hindsight query` and the shell still read the database
  (RocksDB cannot open it to write: that replays its log into table files),
  and the shell says why it cannot write;
- `hindsight serve` refuses commits once the disk fills with SQLSTATE 53100
  and a hint, goes on answering reads, takes commits again once the disk
  has room, without a restart, and stops cleanly on SIGTERM;
- once the disk has room again, the same import completes; the answers equal
  those of a database imported on an ordinary disk; and every commit the
  server acknowledged is there;
- a cluster node (over a nats-server the test starts) whose disk fills
  answers the commit it cannot apply with 40003 (it is in the log), refuses
  the next with 53100, says why in its status, and once the disk has room
  applies the log and takes commits again.

usage: disk_full_test.py HINDSIGHT WORKLOAD_GENERATOR
Exits 77 (skipped) with a message where no tmpfs can be mounted.
"""
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

import psycopg

SKIP = 77
TOOL = None
INSIDE = 'HINDSIGHT_DISK_FULL_NAMESPACE'


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=kw.pop('timeout', 300), **kw)


def reexec_in_own_mount_namespace():
    """Runs this script again in a mount namespace of its own; never returns."""
    env = dict(os.environ, **{INSIDE: '1'})
    flags = ['-m'] if os.geteuid() == 0 else ['-r', '-m']
    probe = run(['unshare', *flags, 'true'])
    if probe.returncode != 0:
        print('skipped: cannot make a mount namespace (unshare %s: %s)' % (' '.join(flags), probe.stderr.strip()))
        sys.exit(SKIP)
    os.execvpe('unshare', ['unshare', *flags, sys.executable, *sys.argv], env)


def resize(disk, megabytes):
    r = run(['mount', '-o', 'remount,size=%dm' % megabytes, disk])
    assert r.returncode == 0, r.stderr


def used_megabytes(disk):
    st = os.statvfs(disk)
    return (st.f_blocks - st.f_bfree) * st.f_frsize / (1 << 20)


def answers(db, workload):
    out = []
    for cls in ('q_point', 'q_bitemporal', 'q_subject', 'q_history'):
        r = run([TOOL, 'replay', db, os.path.join(workload, cls + '.tsv')])
        assert r.returncode == 0, r.stderr
        out.append(r.stdout)
    return out


def split_ops(path, first_transactions):
    """The operations file at `path` as two: its first transactions, and the rest."""
    with open(path) as f:
        lines = f.readlines()
    starts = [i for i, line in enumerate(lines) if line.startswith('tx\t')]
    cut = starts[first_transactions]
    first, rest = path + '.first', path + '.rest'
    with open(first, 'w') as f:
        f.writelines(lines[:cut])
    with open(rest, 'w') as f:
        f.writelines(lines[cut:])
    return first, rest, len(starts)


def check_imports(disk, work, workload):
    ops = os.path.join(workload, 'ops.tsv')
    first, rest, total = split_ops(ops, 20)

    # Into a new database, on a disk too small for it.
    db = os.path.join(disk, 'db')
    r = run([TOOL, 'import', db, ops])
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert 'the disk is full' in r.stderr, r.stderr
    assert 'free space on the disk and run the same command again' in r.stderr, r.stderr
    assert not os.path.exists(db), os.listdir(disk)

    # Into a database with data: the rest no longer fits.
    resize(disk, 64)
    r = run([TOOL, 'import', db, first])
    assert r.returncode == 0, r.stderr
    resize(disk, int(used_megabytes(disk)) + 2)
    r = run([TOOL, 'import', '--commits', db, rest])
    assert r.returncode == 1, (r.returncode, r.stderr)  # not killed by a signal
    assert 'the disk is full' in r.stderr, r.stderr
    assert 'run the same command again' in r.stderr, r.stderr
    committed = re.search(r'the (\d+) transactions? before it (?:was|were) committed', r.stderr)
    expected_last = 20 + (int(committed.group(1)) if committed else 0)

    # Still readable on the full disk, by a process that cannot write it.
    r = run([TOOL, 'log', db])
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1].split('\t')[0] == str(expected_last), r.stdout[-300:]
    r = run([TOOL, 'shell', db, '-c', 'count * * *;', '-c', 'assert a b c = 1;'])
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert 'the disk is too full to open the database for writing' in r.stderr, r.stderr
    assert re.search(r'count\s*\n-+\s*\n\d+', r.stdout), r.stdout

    # Room again: the same command imports the rest.
    resize(disk, 128)
    r = run([TOOL, 'import', '--commits', db, rest])
    assert r.returncode == 0, r.stderr
    r = run([TOOL, 'log', db])
    assert r.stdout.splitlines()[-1].split('\t')[0] == str(total), r.stdout[-300:]
    reference = os.path.join(work, 'reference')
    r = run([TOOL, 'import', reference, ops])
    assert r.returncode == 0, r.stderr
    assert answers(db, workload) == answers(reference, workload)
    print('import: %d of %d transactions committed before the disk filled' % (expected_last, total))
    return db


class Server:
    """`hindsight serve` on a free loopback port, stopped by its pid."""

    def __init__(self, db, *args):
        self.proc = subprocess.Popen([TOOL, 'serve', '--listen', '127.0.0.1:0', *args, db],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else ''
        m = re.search(r'on 127\.0\.0\.1:(\d+)', line)
        if not m:
            self.proc.kill()
            raise AssertionError('server did not start: %r %r' % (line, self.proc.stderr.read()))
        self.dsn = 'host=127.0.0.1 port=%s user=tester dbname=hindsight connect_timeout=10' % m.group(1)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        status = self.proc.wait(60)
        assert status == 0, (status, self.proc.stderr.read()[-2000:])


def check_server(disk, db):
    resize(disk, int(used_megabytes(disk)) + 2)
    server = Server(db)
    try:
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            acknowledged = write_until_full(conn, 'filler', hint='go on by themselves once it has room')
            assert acknowledged > 0
            # Writes stay refused while the disk is full; reads go on.
            try:
                conn.execute('assert filler again x = 1 from 2020')
                raise AssertionError('a write was accepted after the disk filled')
            except psycopg.Error as e:
                assert e.sqlstate == '53100', e.sqlstate
            assert conn.execute('count filler * *').fetchone()[0] == acknowledged
            print('server: %d commits acknowledged before the disk filled' % acknowledged)
            # Room again (RocksDB resumes by itself once 64 MiB are free, the
            # engine asks it to once a second): writes go on, no restart.
            resize(disk, int(used_megabytes(disk)) + 96)
            waited = write_once_there_is_room(conn, 'assert filler after x = 1 from 2020')
            print('server: commits went on %.1f s after the disk had room' % waited)
            for i in range(200):
                conn.execute('assert filler more%d x = %d from 2020' % (i, i))
            assert conn.execute('count filler * *').fetchone()[0] == acknowledged + 201
    finally:
        server.stop()

    # A restart keeps every acknowledged commit, those before the disk filled
    # and those after it had room again.
    server = Server(db)
    try:
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            assert conn.execute('count filler * *').fetchone()[0] == acknowledged + 201
    finally:
        server.stop()


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class NatsServer:
    """One nats-server with JetStream, its store on the ordinary disk."""

    def __init__(self, work):
        self.port = free_port()
        conf = os.path.join(work, 'nats.conf')
        with open(conf, 'w') as f:
            f.write('listen: 127.0.0.1:%d\njetstream { store_dir: "%s" }\n' % (self.port, os.path.join(work, 'nats')))
        self.proc = subprocess.Popen(['nats-server', '-c', conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(('127.0.0.1', self.port), timeout=1).close()
                return
            except OSError:
                assert time.time() < deadline, 'nats-server did not start'
                time.sleep(0.1)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)


def write_until_full(conn, prefix, hint='', in_log_first=False):
    """Commits one-operation transactions until the disk refuses one (53100,
    with `hint` in its hint); how many were acknowledged.

    With `in_log_first` (a cluster node) the first to fail is in the log but
    cannot be applied on the node (40003); the next is refused (53100)."""
    for i in range(100000):
        try:
            conn.execute('assert %s n%d x = %d from 2020' % (prefix, i, i))
        except psycopg.Error as e:
            if in_log_first:
                assert e.sqlstate == '40003' and 'in the log but not yet applied' in str(e), (e.sqlstate, str(e))
                try:
                    conn.execute('assert %s refused x = 1 from 2020' % prefix)
                    raise AssertionError('a node that cannot apply the log took a commit')
                except psycopg.Error as refused:
                    e = refused
            assert e.sqlstate == '53100', (e.sqlstate, str(e))
            assert 'the disk is full' in str(e), str(e)
            assert hint in (e.diag.message_hint or ''), e.diag.message_hint
            return i
    raise AssertionError('the disk never filled')


def write_once_there_is_room(conn, statement):
    """Runs `statement` again until the disk has room for it; the seconds it took."""
    start = time.time()
    deadline = start + 20
    while True:
        try:
            conn.execute(statement)
            return time.time() - start
        except psycopg.Error as e:
            assert e.sqlstate == '53100', (e.sqlstate, str(e))
            assert time.time() < deadline, 'commits did not go on once the disk had room'
            time.sleep(0.2)


def check_cluster_node(disk, work):
    """A node of a cluster whose disk fills: its follower waits for room, then goes on."""
    nats = NatsServer(work)
    db = os.path.join(disk, 'node')
    resize(disk, int(used_megabytes(disk)) + 64)
    try:
        node = Server(db, '--nats', 'nats://127.0.0.1:%d' % nats.port, '--replicas', '1')
    except BaseException:
        nats.stop()
        raise
    try:
        with psycopg.connect(node.dsn, autocommit=True) as conn:
            resize(disk, int(used_megabytes(disk)) + 2)
            acknowledged = write_until_full(conn, 'clustered', in_log_first=True)
            assert acknowledged > 0
            state = conn.execute('SHOW hindsight_status').fetchone()
            assert 'the disk is full' in str(state), state
            assert conn.execute('count clustered * *').fetchone()[0] == acknowledged
            resize(disk, int(used_megabytes(disk)) + 96)
            write_once_there_is_room(conn, 'assert clustered after x = 1 from 2020')
            # The one in the log is applied too, and nothing else.
            assert conn.execute('count clustered * *').fetchone()[0] == acknowledged + 2
            assert 'following' in str(conn.execute('SHOW hindsight_status').fetchone())
        print('cluster node: %d commits acknowledged before the disk filled' % acknowledged)
    finally:
        node.stop()
        nats.stop()


def main():
    global TOOL
    if len(sys.argv) != 3:
        sys.exit('usage: disk_full_test.py HINDSIGHT WORKLOAD_GENERATOR')
    if os.environ.get(INSIDE) != '1':
        reexec_in_own_mount_namespace()
    TOOL = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix='hindsight-disk-full-') as work:
        disk = os.path.join(work, 'disk')
        os.mkdir(disk)
        r = run(['mount', '-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk])
        if r.returncode != 0:
            print('skipped: cannot mount a tmpfs: %s' % r.stderr.strip())
            sys.exit(SKIP)
        try:
            workload = os.path.join(work, 'workload')
            r = run([os.path.abspath(sys.argv[2]), '--keys', '3000', '--queries', '200', '--seed', '5', '--out', workload])
            assert r.returncode == 0, r.stderr
            db = check_imports(disk, work, workload)
            check_server(disk, db)
            check_cluster_node(disk, work)
        finally:
            run(['umount', disk])
    print('disk full: ok')


if __name__ == '__main__':
    main()
