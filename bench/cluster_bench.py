#!/usr/bin/python3
"""A Hindsight cluster measured side by side with a single node.

Starts a three-server NATS JetStream cluster and three nodes
(scripts/cluster.sh, private directory and ports) and a single
`hindsight serve` node, then measures with pgbench and psycopg2:

- commits of one operation, through a cluster node and through the single
  node (both syncing): throughput, p50 and p99, 1 and 4 clients;
- follower lag: writes through node 1 at up to 1,000 a second while node 1
  and node 2 are polled for their applied id; the lag of a transaction is
  when node 2 had it less when node 1 had it;
- replay: a fresh node replaying a stream of the workload generator's
  operations in transactions of 10, against `hindsight import --commits` of
  the same file into a local database;
- reads (point queries of 1,000 keys written first) on node 2 while it
  follows a stream of writes through node 1, against node 2 idle;
- notifications: NOTIFY through node 1 until a listener on node 2 hears
  it, against a NOTIFY and its listener on the single node, one at a time.

The reads and the replay run --rounds times (default 3), each round its
peer first, and compare medians: one sample of each moves more from run
to run on a shared machine than the difference being measured.

usage: bench/cluster.sh [--quick] BUILD_DIR   (prints a Markdown table)
"""
import argparse
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from server_bench import pgbench, write_scripts  # noqa: E402

SOURCE = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SOURCE, 'tests', 'cluster'))
import cluster_test as ct  # noqa: E402  (its cluster and node helpers)


def applied(conn):
    cur = conn.cursor()
    cur.execute('SHOW hindsight_status')
    return int(cur.fetchone()[1])


class Poller(threading.Thread):
    """Polls a node's applied id; `first[n]` is when it first had n."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.conn = psycopg2.connect(ct.dsn(port))
        self.first = {}
        self.stop = False

    def run(self):
        last = applied(self.conn)
        while not self.stop:
            now = applied(self.conn)
            t = time.perf_counter()
            for n in range(last + 1, now + 1):
                self.first[n] = t
            last = max(last, now)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, len(values) * p // 100)] if values else float('nan')


def notify_latency(send_port, listen_port, count):
    """p50 and p99 in ms from a NOTIFY through `send_port` until a listener
    on `listen_port` has it, `count` times one after another."""
    sender = psycopg2.connect(ct.dsn(send_port))
    listener = psycopg2.connect(ct.dsn(listen_port))
    sender.autocommit = listener.autocommit = True
    listener.cursor().execute('LISTEN latency')
    cur = sender.cursor()
    times = []
    for i in range(count):
        started = time.perf_counter()
        cur.execute("NOTIFY latency, '%d'" % i)
        while not listener.notifies:
            if not select.select([listener], [], [], 10)[0]:
                raise RuntimeError('notification %d not heard in 10 s' % i)
            listener.poll()
        times.append((time.perf_counter() - started) * 1000)
        del listener.notifies[:]
    sender.close()
    listener.close()
    return percentile(times, 50), percentile(times, 99)


def small_transactions(workload, out, per_txn=10):
    """The generator's operations regrouped into transactions of `per_txn`."""
    ops = [l for l in open(os.path.join(workload, 'ops.tsv'), encoding='utf-8')
           if l.strip() and not l.startswith('#') and not l.startswith('tx\t')]
    with open(out, 'w', encoding='utf-8') as f:
        for i in range(0, len(ops), per_txn):
            f.write('tx\t\tbench\n')
            f.writelines(ops[i:i + per_txn])
    return (len(ops) + per_txn - 1) // per_txn, len(ops)


def median(values):
    return sorted(values)[len(values) // 2]


def spread(values, fmt='%.0f'):
    """Every value of a measure, in the order measured."""
    return ', '.join(fmt % v for v in values)


def await_applied(port, n):
    """Waits on the node (`await tx`) until it has applied transaction n:
    no polling that would take CPU from the node being measured."""
    conn = psycopg2.connect(ct.dsn(port))
    conn.autocommit = True
    conn.cursor().execute('await tx %d timeout 1800s' % n)
    conn.close()


def wait_applied(port, n, timeout=1800):
    conn = psycopg2.connect(ct.dsn(port))
    deadline = time.time() + timeout
    while applied(conn) < n:
        assert time.time() < deadline, 'node did not catch up'
        time.sleep(0.05)
    conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--quick', action='store_true', help='1 s runs, a small replay')
    ap.add_argument('--seconds', type=int, default=8)
    ap.add_argument('--keys', type=int, default=20000, help='workload keys for the replay')
    ap.add_argument('--rounds', type=int, default=3, help='idle and following reads, imports and replays, in turn')
    ap.add_argument('build')
    a = ap.parse_args()
    if a.quick:
        a.seconds, a.keys, a.rounds = 1, 500, 1
    build = os.path.abspath(a.build)
    ct.TOOL = os.path.join(build, 'tools', 'hindsight')
    ct.WORK = tempfile.mkdtemp(prefix='hindsight-cluster-bench-')
    os.chmod(ct.WORK, 0o755)
    ct.NODE_PORT = ct.free_base(3)
    ct.NATS_PORT = ct.free_base(3, also=(2000,))
    ct.ENV = dict(os.environ, HINDSIGHT_CLUSTER_DIR=os.path.join(ct.WORK, 'cluster'),
                  HINDSIGHT_CLUSTER_PORT=str(ct.NODE_PORT), HINDSIGHT_CLUSTER_NATS_PORT=str(ct.NATS_PORT),
                  HINDSIGHT=ct.TOOL)
    work = ct.WORK
    rows = []
    single = None
    try:
        ct.cluster('up')
        node1, node2 = ct.NODE_PORT, ct.NODE_PORT + 1
        single_port = ct.free_base(1)
        single = subprocess.Popen([ct.TOOL, 'serve', '--listen', '127.0.0.1:%d' % single_port,
                                   os.path.join(work, 'single')], stdout=subprocess.PIPE, text=True)
        assert 'serving' in single.stdout.readline()

        write = write_scripts(work, 'write', ['\\set r random(1, 1000000000)\nassert bench :client_id :r = 1 from 2020'])
        for clients in (1, 4):
            c = pgbench(node1, 'bench', write, clients, 'simple', a.seconds, work)
            s = pgbench(single_port, 'bench', write, clients, 'simple', a.seconds, work)
            rows.append(('commits/s, %d client%s (p50 / p99 ms)' % (clients, 's' if clients > 1 else ''),
                         '%.0f (%.2f / %.2f)' % (c[0], c[1], c[2]), '%.0f (%.2f / %.2f)' % (s[0], s[1], s[2]),
                         'cluster node vs single node, both synced'))

        # Follower lag at up to 1,000 commits a second through node 1: 32
        # clients, since a commit takes a few milliseconds (with 16, pgbench
        # falls behind its schedule).
        p1, p2 = Poller(node1), Poller(node2)
        p1.start()
        p2.start()
        rated = write_scripts(work, 'rated', ['\\set r random(1, 1000000000)\nassert lag :client_id :r = 1'])
        args = ['pgbench', '-n', '-h', '127.0.0.1', '-p', str(node1), '-U', 'bench', '-c', '32', '-j', '2',
                '-T', str(a.seconds * 2), '-R', '1000', '-f', rated[0], 'postgres']
        r = subprocess.run(args, capture_output=True, text=True)
        time.sleep(1)
        p1.stop = p2.stop = True
        p1.join()
        p2.join()
        lags = [(p2.first[n] - p1.first[n]) * 1000 for n in p1.first if n in p2.first]
        tps = float(r.stdout.split('tps = ')[1].split()[0]) if 'tps = ' in r.stdout else 0.0
        rows.append(('follower lag at %.0f commits/s (p50 / p99 ms)' % tps,
                     '%.1f / %.1f' % (percentile(lags, 50), percentile(lags, 99)), '', 'goal: p99 < 50 ms at 1,000/s'))

        # Reads on node 2, idle and while it follows writes through node 1:
        # point queries of 1,000 keys written (in one transaction) first.
        conn = psycopg2.connect(ct.dsn(node1))
        conn.autocommit = True
        conn.cursor().execute('; '.join(['begin'] + ['assert seed k%d v = %d from 2020' % (i, i)
                                                     for i in range(1, 1001)] + ['commit']))
        last = applied(conn)
        conn.close()
        wait_applied(node2, last)
        reads = write_scripts(work, 'read', ['\\set r random(1, 1000)\nseed k:r v at 2021'])
        # Idle and following in turn, a.rounds times each: this machine's
        # spread from one run to the next is larger than the difference.
        idle, busy, wtps = [], [], []
        for _ in range(a.rounds):
            idle.append(pgbench(node2, 'bench', reads, 4, 'simple', a.seconds, work)[0])
            writer = subprocess.Popen(['pgbench', '-n', '-h', '127.0.0.1', '-p', str(node1), '-U', 'bench', '-c',
                                       '2', '-j', '1', '-T', str(a.seconds + 2), '-f', write[0], 'postgres'],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(1)
            busy.append(pgbench(node2, 'bench', reads, 4, 'simple', a.seconds, work)[0])
            out, _ = writer.communicate()
            wtps.append(float(out.split('tps = ')[1].split()[0]) if 'tps = ' in out else 0.0)
        rows.append(('point reads/s on node 2 (4 clients), median of %d' % a.rounds,
                     '%.0f following %.0f commits/s (%s)' % (median(busy), median(wtps), spread(busy)),
                     '%.0f idle (%s)' % (median(idle), spread(idle)),
                     'ratio %.2f (goal: within 10%%)' % (median(busy) / median(idle) if median(idle) else 0)))

        count = 100 if a.quick else 2000
        c, s = notify_latency(node1, node2, count), notify_latency(single_port, single_port, count)
        rows.append(('NOTIFY until a listener has it, p50 / p99 ms (%d, one at a time)' % count,
                     '%.2f / %.2f (node 1 to node 2)' % c, '%.2f / %.2f (one server)' % s, ''))

        # Replay of a fresh node against the local transactional import.
        wl = os.path.join(work, 'workload')
        subprocess.run([os.path.join(build, 'bench', 'workload', 'hindsight-workload'), '--keys', str(a.keys),
                        '--queries', '10', '--out', wl], check=True, capture_output=True)
        ops_file = os.path.join(work, 'small.tsv')
        txns, ops = small_transactions(wl, ops_file)
        # The local import and a fresh node's replay in turn, a.rounds times.
        import_s, replay_s = [], []
        for r in range(a.rounds):
            local = os.path.join(work, 'local%d' % r)
            t = time.perf_counter()
            subprocess.run([ct.TOOL, 'import', '--commits', local, ops_file], check=True, capture_output=True)
            import_s.append(time.perf_counter() - t)
            if r == 0:
                subprocess.run([ct.TOOL, 'cluster', 'init', local, '--nats', ct.nats_urls(), '--stream', 'replay'],
                               check=True, capture_output=True)
            t = time.perf_counter()
            port = ct.start_extra_node(os.path.join(work, 'fresh%d' % r), 'replay')
            await_applied(port, txns)
            replay_s.append(time.perf_counter() - t)
            ct.stop_extra_nodes()
        rows.append(('replay, %d transactions of %d operations (txn/s, ops/s), median of %d' % (txns, ops, a.rounds),
                     '%.0f, %.0f (fresh node; %s s)' % (txns / median(replay_s), ops / median(replay_s),
                                                         spread(replay_s, '%.2f')),
                     '%.0f, %.0f (import --commits; %s s)' % (txns / median(import_s), ops / median(import_s),
                                                              spread(import_s, '%.2f')),
                     'ratio %.2f (goal: >= 1)' % (median(import_s) / median(replay_s))))
    finally:
        ct.stop_extra_nodes()
        if single is not None:
            single.terminate()
            single.wait(60)
        subprocess.run([os.path.join(SOURCE, 'scripts', 'cluster.sh'), 'down'], env=ct.ENV, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    print('| measure | cluster | single node / idle / local | note |')
    print('|---|---:|---:|---|')
    for row in rows:
        print('| %s | %s | %s | %s |' % row)
    return 0


if __name__ == '__main__':
    sys.exit(main())
