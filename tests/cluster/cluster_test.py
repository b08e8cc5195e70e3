#!/usr/bin/python3
"""A real cluster: three NATS servers with JetStream and three Hindsight
nodes, started by scripts/cluster.sh on private loopback ports in a private
directory and stopped by their pids, written to by psycopg2 clients.

- six writers spread over the nodes: afterwards every node's `hindsight log`
  is the same and is the order the stream acknowledged, and a session
  listening on node 3 was told of each transaction in that order;
- a node killed with SIGKILL while writes go on catches up exactly;
- with one NATS server stopped writes go on; with two, commits fail with
  SQLSTATE 40003 within the commit timeout while reads keep answering;
  with the servers back, writes resume; nothing acknowledged is lost;
- a NATS server frozen (SIGSTOP) for a while, then thawed: no node serves
  a history other than the stream's (one that applied an entry the stream
  then replaced stops and is re-seeded); if the servers lost entries they
  had acknowledged, the stream is re-seeded from the longest node log as
  docs/cluster.md says, and only what was on diverged nodes alone is gone;
- a node started from a checkpoint of a running node (taken while writes
  go on, another node compacting its files), and one on an empty
  directory, end up equal to the others;
- `hindsight cluster init` puts a single-node database on a stream, and
  `hindsight cluster trim` cuts the stream to a checkpoint new nodes start
  from;
- finally every node answers as one database fed the same transactions
  with `hindsight import`.

On failure it prints the end of every log (scripts/cluster.sh's nodes',
the NATS servers', the nodes it started itself); with
HINDSIGHT_KEEP_FAILED_CLUSTER set it also keeps its directory.

usage: cluster_test.py HINDSIGHT WORKLOAD_GENERATOR
"""
import io
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
CLUSTER_SH = os.path.join(SOURCE, 'scripts', 'cluster.sh')
TOOL = None
WORKLOAD = None
WORK = None
ENV = None
NODE_PORT = None
NATS_PORT = None
EXTRA = []  # nodes started by the test itself: (process, port, dir, stream)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=kw.pop('timeout', 120), **kw)


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(('127.0.0.1', port))
            return True
        except OSError:
            return False


def free_base(count, also=()):
    """A port P such that P..P+count-1 (and the same shifted by `also`) are free."""
    for _ in range(200):
        base = random.randint(20000, 40000)
        if all(port_free(base + shift + i) for shift in (0, *also) for i in range(count)):
            return base
    raise AssertionError('no free ports')


def cluster(*args, timeout=120):
    r = run([CLUSTER_SH, *args], env=ENV, timeout=timeout)
    assert r.returncode == 0, 'cluster.sh %s: %s %s' % (' '.join(args), r.stdout, r.stderr)
    return r.stdout


def nats_urls():
    return ','.join('nats://127.0.0.1:%d' % (NATS_PORT + i) for i in range(3))


def node_dir(i):
    return os.path.join(WORK, 'cluster', 'node%d' % i)


def dsn(port):
    return 'host=127.0.0.1 port=%d user=tester dbname=hindsight connect_timeout=10' % port


def all_nodes():
    """(port, directory) of every node running now."""
    return [(NODE_PORT + i - 1, node_dir(i)) for i in (1, 2, 3)] + [(p, d) for _, p, d, _ in EXTRA]


def start_extra_node(directory, stream='hindsight'):
    port = free_base(1)
    # Its standard error goes to a file, as scripts/cluster.sh's nodes' do:
    # a pipe nobody reads would stop the node once full.
    log_path = os.path.join(WORK, 'cluster', 'extra-node-%d.log' % port)
    with open(log_path, 'a') as log:
        proc = subprocess.Popen([TOOL, 'serve', '--listen', '127.0.0.1:%d' % port, '--nats', nats_urls(),
                                 '--stream', stream, directory],
                                stdout=subprocess.PIPE, stderr=log, text=True)
    line = proc.stdout.readline()
    if 'serving' not in line:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        with open(log_path) as log:
            raise AssertionError('node did not start: %r %r' % (line, log.read()))
    EXTRA.append((proc, port, directory, stream))
    return port


def stop_extra_nodes():
    while EXTRA:
        proc, _, _, _ = EXTRA.pop()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def nats_pid(i):
    with open(os.path.join(WORK, 'cluster', 'nats%d.pid' % i)) as f:
        return int(f.read())


# --- transactions ---

def unescape(field):
    return re.sub(r'\\(.)', lambda m: {'\\': '\\', 't': '\t', 'n': '\n', 'r': '\r'}[m.group(1)], field)


def load_transactions(count):
    """`count` small transactions from the workload generator's operations,
    a few with an erase, each with a source of its own."""
    out = os.path.join(WORK, 'workload')
    r = run([WORKLOAD, '--out', out, '--keys', '300', '--versions', '4', '--queries', '10', '--seed', '5'])
    assert r.returncode == 0, r.stderr
    ops = []
    with open(os.path.join(out, 'ops.tsv'), encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if line and not line.startswith('#') and not line.startswith('tx\t'):
                ops.append(line)
    rng = random.Random(5)
    txns = []
    while len(txns) < count:
        lines = [ops[rng.randrange(len(ops))] for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.05:
            f = lines[0].split('\t')
            lines.append('erase\t%s\t%s\t%s' % (f[1], f[2], f[3]))
        txns.append({'source': 'w-%d' % len(txns), 'lines': lines})
    return txns


def name(field):
    return json.dumps(unescape(field), ensure_ascii=False)


def statement(line):
    f = line.split('\t')
    key = '%s %s %s' % (name(f[1]), name(f[2]), name(f[3]))
    if f[0] == 'erase':
        return 'erase ' + key
    span = ' from %s to %s' % (f[5], f[6])
    if f[0] == 'retract':
        return 'retract ' + key + span
    return 'assert ' + key + (' = ' + f[4] if f[4] else '') + span


def transaction_text(txn):
    return '; '.join(['begin source %s' % json.dumps(txn['source'])] + [statement(l) for l in txn['lines']] + ['commit'])


class Outcomes:
    """What the writers were told: committed (source -> id), or not known."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}
        self.unknown = set()
        self.refused = {}  # not committed: source -> why
        self.errors = []
        self.last_error = None
        self.diverged = {}  # note_diverged
        self.extra_reseeded = 0  # the test's own nodes re-seeded


class Writer(threading.Thread):
    """Commits `txns` through the node on `port`, one at a time. A commit
    that lost too many races (40001) is retried; one whose outcome is not
    known (40003, or the connection lost) is noted and skipped."""

    def __init__(self, port, txns, outcomes, pause=0.0):
        super().__init__(daemon=True)
        self.port, self.txns, self.outcomes, self.pause = port, txns, outcomes, pause

    def connect(self, deadline):
        while True:
            try:
                conn = psycopg2.connect(dsn(self.port))
                conn.autocommit = True
                return conn
            except psycopg2.OperationalError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)

    def run(self):
        try:
            conn = self.connect(time.time() + 60)
            for txn in self.txns:
                retries = 0
                while True:
                    try:
                        del conn.notices[:]
                        conn.cursor().execute(transaction_text(txn))
                        m = [re.search(r'committed transaction (\d+)', n) for n in conn.notices]
                        ids = [int(x.group(1)) for x in m if x]
                        assert len(ids) == 1, conn.notices
                        with self.outcomes.lock:
                            self.outcomes.acked[txn['source']] = ids[0]
                        break
                    except psycopg2.Error as e:
                        if e.pgcode == '40001' and retries < 20:  # lost the race to the log too often
                            retries += 1
                            continue
                        # Not committed: lost the race too often, or the stream
                        # lost entries (then every node is ahead of it).
                        if e.pgcode == '40001' or (e.pgcode == 'XX000' and 'lost entries' in str(e)):
                            with self.outcomes.lock:
                                self.outcomes.refused[txn['source']] = '%s %s' % (e.pgcode, e)
                            break
                        with self.outcomes.lock:
                            self.outcomes.last_error = str(e)
                            if e.pgcode is None or e.pgcode == '40003':  # the node went away, or no quorum
                                self.outcomes.unknown.add(txn['source'])
                            else:
                                self.outcomes.errors.append('%s: %s %s' % (txn['source'], e.pgcode, e))
                        if conn.closed:
                            conn = self.connect(time.time() + 60)
                        break
                time.sleep(self.pause)
            conn.close()
        except Exception as e:  # noqa: BLE001 - reported by the test
            with self.outcomes.lock:
                self.outcomes.errors.append('writer on %d: %r' % (self.port, e))


def write(assignments, outcomes, pause=0.0):
    """Starts a writer per (port, txns); returns the threads."""
    writers = [Writer(port, txns, outcomes, pause) for port, txns in assignments]
    for w in writers:
        w.start()
    return writers


def join(writers, outcomes):
    for w in writers:
        w.join(float(os.environ.get('WRITER_WAIT', 300)))
        assert not w.is_alive(), 'a writer did not finish'
    assert not outcomes.errors, outcomes.errors


def status(port):
    conn = psycopg2.connect(dsn(port))
    try:
        cur = conn.cursor()
        cur.execute('SHOW hindsight_status')
        return dict(zip([d.name for d in cur.description], cur.fetchone()))
    finally:
        conn.close()


def wait_log_answers(timeout=60):
    """Waits until every node's stream answers (a leader was elected)."""
    deadline = time.time() + timeout
    while True:
        states = [status(port) for port, _ in all_nodes()]
        if all(s['log_last'] != '' for s in states):
            return
        assert time.time() < deadline, 'the stream did not answer again: %s' % states
        time.sleep(0.5)


def assert_writes_resume(port, txns_left, outcomes):
    """Commits the next 10 transactions through `port`; at least 8 must be
    acknowledged (a leader election may still cost one or two). The NATS
    servers may lose acknowledged entries only after a new leader took over,
    later than the caller looked: then the node refuses writes saying so, and
    the stream is re-seeded as an operator would, once, before 10 more are
    tried. Returns the transactions left and whether the stream was re-seeded."""
    lost = False
    for attempt in range(2):
        batch, txns_left = txns_left[:10], txns_left[10:]
        join(write([(port, batch)], outcomes), outcomes)
        acked = sum(t['source'] in outcomes.acked for t in batch)
        if acked >= 8:
            return txns_left, lost
        if attempt == 0 and reseed_lost_stream(outcomes):  # a node is ahead of the stream
            lost = True
            reseed_stopped_nodes(outcomes)
            wait_log_answers()
            continue
        break
    raise AssertionError('writes did not resume: %d of 10 acknowledged (last error: %s)' % (
        acked, outcomes.last_error))


def note_diverged(outcomes, log_lines):
    """Notes what a node about to be wiped had applied (source -> id):
    check_logs forgives an acknowledged commit missing from the stream only
    when such a node had applied it under the id its writer was told (NATS
    handed it out, then did not keep it: its own loss, docs/cluster.md)."""
    for line in log_lines:
        tx_id, _, source, _ = line.split('\t')
        outcomes.diverged[source] = int(tx_id)


def reseed_lost_stream(outcomes):
    """When the NATS servers have lost entries they acknowledged (the nodes
    stay ahead of the stream), puts the longest node log on a new stream,
    as docs/cluster.md says to, and re-seeds the nodes whose log is not a
    prefix of it (they applied entries the stream handed out and then did
    not keep). Returns whether the stream had lost entries."""
    deadline = time.time() + 10
    while True:
        states = [status(NODE_PORT + i) for i in range(3)]
        if not any(s['state'].startswith('ahead of the log') for s in states):
            return False
        if time.time() > deadline:
            break
        time.sleep(0.5)
    for i in (1, 2, 3):
        cluster('stop', 'node', str(i))
    logs = {i: log_of(node_dir(i)) for i in (1, 2, 3)}
    longest = max(logs, key=lambda i: len(logs[i]))
    r = run([TOOL, 'cluster', 'init', node_dir(longest), '--nats', nats_urls(), '--replace'])
    assert r.returncode == 0, r.stderr
    for i in (1, 2, 3):
        if logs[i] != logs[longest][:len(logs[i])]:
            note_diverged(outcomes, logs[i])
            shutil.rmtree(node_dir(i))
        cluster('start', 'node', str(i))
    return True


def lost_note(lost):
    return '; NATS lost acknowledged entries: stream re-seeded from the longest node log' if lost else ''


def stopped_for_reseed(port):
    state = status(port)['state']
    assert not state.startswith('stopped:') or 're-seed' in state, state
    return state.startswith('stopped:')


def reseed_stopped_nodes(outcomes):
    """Re-seeds the nodes that stopped because they applied an entry the
    stream did not keep (the cluster's from a peer, the test's own from an
    empty directory), noting in `outcomes.diverged` what they had applied;
    returns how many."""
    count = 0
    for i in (1, 2, 3):
        if stopped_for_reseed(NODE_PORT + i - 1):
            cluster('stop', 'node', str(i))
            note_diverged(outcomes, log_of(node_dir(i)))
            cluster('reseed', str(i))
            count += 1
    for proc, port, directory, stream in list(EXTRA):
        if stopped_for_reseed(port):
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
            EXTRA.remove((proc, port, directory, stream))
            note_diverged(outcomes, log_of(directory))
            shutil.rmtree(directory)
            start_extra_node(directory, stream)
            outcomes.extra_reseeded += 1
            count += 1
    return count


def wait_converged(outcomes, timeout=60, reseed=False):
    """Waits until every node has applied the stream's last entry. With
    `reseed`, a node that stopped because it applied an entry the stream
    did not keep is re-seeded meanwhile (it may notice only when the next
    entry arrives)."""
    deadline = time.time() + timeout
    while True:
        if reseed:
            reseed_stopped_nodes(outcomes)
        states = [status(port) for port, _ in all_nodes()]
        lasts = {s['log_last'] for s in states}
        if len(lasts) == 1 and all(s['applied'] == s['log_last'] and s['state'] == 'following' for s in states):
            return int(states[0]['applied'])
        assert time.time() < deadline, 'nodes did not converge: %s' % states
        time.sleep(0.2)


def log_of(directory):
    r = run([TOOL, 'log', directory])
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


def check_logs(outcomes, reseed=False):
    """Every node's log is the same, every acknowledged commit is in it once
    with the id its writer was told (unless NATS replaced the entry it had
    handed out, docs/cluster.md), and nothing in it is unaccounted for."""
    wait_converged(outcomes, reseed=reseed)
    reference = log_of(node_dir(1))
    for _, directory in all_nodes():
        got = log_of(directory)
        assert got == reference, 'log of %s differs: %d vs %d lines, first difference %s' % (
            directory, len(got), len(reference),
            next(((a, b) for a, b in zip(got, reference) if a != b), None))
    sources = {}
    for line in reference:
        tx_id, _, source, _ = line.split('\t')
        assert source not in sources, '%s in the log twice: %d and %s' % (source, sources[source], tx_id)
        sources[source] = int(tx_id)
    for source, tx_id in outcomes.acked.items():
        if sources.get(source) != tx_id and outcomes.diverged.get(source) == tx_id:
            # NATS acknowledged it, handed it out as entry tx_id, then
            # replaced it: with another writer's (it is gone), or with an
            # earlier attempt of the same transaction, which the stream had
            # answered as refused or not at all (it is in, under another id).
            continue
        assert sources.get(source) == tx_id, '%s acknowledged as %d, log has %s' % (source, tx_id, sources.get(source))
    for source in sources:
        assert source not in outcomes.refused, 'refused transaction %s in the log: %s' % (source, outcomes.refused[source])
        assert source in outcomes.acked or source in outcomes.unknown, 'unknown transaction %s in the log' % source
    return reference


QUERIES = ['* * *', 'history * * *', 'count * * *', '* * * as of tx 50', '* * * as of tx 200']


def answers(directory, queries=QUERIES):
    out = []
    for q in queries:
        r = run([TOOL, 'query', directory, q])
        assert r.returncode == 0, r.stderr
        out.append(r.stdout)
    return out


def check_answers(txns, log_lines):
    """Every node answers as one database fed the log's transactions."""
    by_source = {t['source']: t for t in txns}
    ops = os.path.join(WORK, 'single.tsv')
    with open(ops, 'w', encoding='utf-8') as f:
        for line in log_lines:
            _, tx_time, source, _ = line.split('\t')
            f.write('tx\t%s\t%s\n' % (tx_time, source))
            for op in by_source[source]['lines']:
                f.write(op + '\n')
    single = os.path.join(WORK, 'single')
    shutil.rmtree(single, ignore_errors=True)
    r = run([TOOL, 'import', '--commits', single, ops])
    assert r.returncode == 0, r.stderr
    want = answers(single)
    for _, directory in all_nodes():
        got = answers(directory)
        for q, g, w in zip(QUERIES, got, want):
            assert g == w, 'node %s answers %r differently from one database' % (directory, q)


# --- the scenario ---

def assert_notifies_reach(sender, listener, timeout=30):
    """A NOTIFY through `sender` reaches `listener`, on another node, within
    `timeout`: sent again every half second (notifications between nodes go
    at most once, and a relay that has just reconnected may miss the
    first)."""
    listener.cursor().execute('LISTEN relayed')
    deadline = time.time() + timeout
    while time.time() < deadline:
        sender.cursor().execute("NOTIFY relayed, 'hello'")
        select.select([listener], [], [], 0.5)
        listener.poll()
        if any(n.channel == 'relayed' for n in listener.notifies):
            del listener.notifies[:]
            listener.cursor().execute('UNLISTEN relayed')
            return
    raise AssertionError('no notification reached the other node in %d s' % timeout)


def check_notify_across_nodes(nodes, txns, outcomes):
    """NOTIFY in each of `txns`' blocks, committed through node 1, reaches
    the listeners of every node once it commits, with the notifier's pid;
    a listener told on node 3 finds node 3 has applied that commit."""
    listeners = []
    for port in nodes:
        c = psycopg2.connect(dsn(port))
        c.autocommit = True
        c.cursor().execute('LISTEN jobs')
        listeners.append(c)
    notifier = psycopg2.connect(dsn(nodes[0]))
    notifier.autocommit = True
    cur = notifier.cursor()
    cur.execute('SELECT pg_backend_pid()')
    pid = cur.fetchone()[0]
    committed = {}
    for txn in txns:
        del notifier.notices[:]
        cur.execute(transaction_text(txn).replace('; commit', "; NOTIFY jobs, '%s'; commit" % txn['source']))
        tx_id = int(re.search(r'committed transaction (\d+)', ''.join(notifier.notices)).group(1))
        outcomes.acked[txn['source']] = committed[txn['source']] = tx_id
    notifier.close()
    for k, c in enumerate(listeners):
        heard = []
        deadline = time.time() + 20
        while len(heard) < len(txns) and time.time() < deadline:
            select.select([c], [], [], 0.5)
            c.poll()
            for n in c.notifies:
                if k == 2:  # what node 3 tells, node 3 has applied
                    applied = int(status(nodes[2])['applied'])
                    assert applied >= committed[n.payload], (n.payload, committed[n.payload], applied)
                heard.append((n.pid, n.channel, n.payload))
            c.notifies.clear()
        assert heard == [(pid, 'jobs', t['source']) for t in txns], (k + 1, heard)
        c.close()
    print("  NOTIFY in %d commits on node 1: every node's listener told, node 3 having applied each"
          % len(txns), flush=True)


def test_cluster():
    txns = load_transactions(700)
    nodes = [NODE_PORT, NODE_PORT + 1, NODE_PORT + 2]
    outcomes = Outcomes()
    t0 = time.time()
    cluster('up')
    print('  cluster up in %.1f s' % (time.time() - t0), flush=True)

    # Six writers, two per node; a session listening on node 3 is told of
    # each commit as node 3 applies it, in the log's order.
    listener = psycopg2.connect(dsn(nodes[2]))
    listener.autocommit = True
    listener.cursor().execute('LISTEN hindsight_commits')
    batch, txns_left = txns[:240], txns[240:]
    join(write([(nodes[k % 3], batch[k::6]) for k in range(6)], outcomes), outcomes)
    assert len(outcomes.acked) == 240 and not outcomes.unknown, (len(outcomes.acked), sorted(outcomes.unknown), outcomes.last_error)
    check_logs(outcomes)
    told = []
    deadline = time.time() + 20
    while len(told) < 240 and time.time() < deadline:
        listener.poll()
        told.extend(json.loads(n.payload) for n in listener.notifies)
        listener.notifies.clear()
        time.sleep(0.05)
    listener.close()
    in_log = [line.split('\t') for line in log_of(node_dir(3))]
    assert [(t['tx'], t['source']) for t in told] == [(int(l[0]), l[2]) for l in in_log], (len(told), told[:2])
    print('  six writers: 240 commits, logs identical, a listener on node 3 told of each', flush=True)
    batch, txns_left = txns_left[:5], txns_left[5:]
    check_notify_across_nodes(nodes, batch, outcomes)

    # SIGKILL node 2 while writes go on, then restart it.
    batch, txns_left = txns_left[:120], txns_left[120:]
    writers = write([(nodes[k], batch[k::3]) for k in range(3)], outcomes, pause=0.01)
    time.sleep(0.5)
    cluster('kill', 'node', '2')
    time.sleep(1.0)
    cluster('start', 'node', '2')
    join(writers, outcomes)
    check_logs(outcomes)
    print('  node 2 killed and restarted: caught up (%d commits, %d unknown)'
          % (len(outcomes.acked), len(outcomes.unknown)), flush=True)

    # One NATS server down: writes go on (if it led the stream, the election
    # of another leader may cost a commit or two).
    cluster('stop', 'nats', '3')
    wait_log_answers()
    txns_left, lost_with_one_down = assert_writes_resume(nodes[0], txns_left, outcomes)
    check_logs(outcomes, reseed=lost_with_one_down)
    # Two down: commits fail within the timeout, reads answer.
    cluster('stop', 'nats', '2')
    conn = psycopg2.connect(dsn(nodes[1]))
    conn.autocommit = True
    started = time.time()
    try:
        conn.cursor().execute(transaction_text(txns_left[0]))
        raise AssertionError('a commit succeeded without a quorum')
    except psycopg2.Error as e:
        assert e.pgcode == '40003', (e.pgcode, str(e))
        assert str(e).count('may or may not be committed') == 1, str(e)
    took = time.time() - started
    assert took < 30, 'the failed commit took %.1f s (its timeout: 10 s)' % took
    outcomes.unknown.add(txns_left[0]['source'])
    txns_left = txns_left[1:]
    for port in nodes:
        c = psycopg2.connect(dsn(port))
        cur = c.cursor()
        cur.execute('count * * *')
        assert cur.fetchone()[0] > 0
        c.close()
    conn.close()
    cluster('start', 'nats', '2')
    cluster('start', 'nats', '3')
    wait_log_answers()
    # The servers back may elect a leader that lacks entries acknowledged
    # meanwhile; the server left alone may have handed the commit it could
    # not replicate to a node's consumer. Either way the nodes say so, and
    # an operator re-seeds (docs/cluster.md) before writes resume.
    lost = reseed_lost_stream(outcomes)
    reseeded = reseed_stopped_nodes(outcomes)
    txns_left, lost_later = assert_writes_resume(nodes[1], txns_left, outcomes)
    lost = lost or lost_later
    reseeded += reseed_stopped_nodes(outcomes)
    check_logs(outcomes, reseed=True)
    print('  NATS servers stopped: writes went on with two, failed in %.1f s with one, resumed (%d nodes re-seeded%s)'
          % (took, reseeded, lost_note(lost)), flush=True)

    # Freeze a NATS server for a while.
    batch, txns_left = txns_left[:90], txns_left[90:]
    writers = write([(nodes[k], batch[k::3]) for k in range(3)], outcomes, pause=0.02)
    time.sleep(0.5)
    os.kill(nats_pid(1), signal.SIGSTOP)
    time.sleep(6)
    os.kill(nats_pid(1), signal.SIGCONT)
    join(writers, outcomes)
    acked_while_frozen = sum(t['source'] in outcomes.acked for t in batch)
    time.sleep(2)
    lost = reseed_lost_stream(outcomes)
    reseeded = reseed_stopped_nodes(outcomes)
    check_logs(outcomes, reseed=True)
    wait_log_answers()
    txns_left, lost_later = assert_writes_resume(nodes[2], txns_left, outcomes)
    lost = lost or lost_later
    check_logs(outcomes, reseed=True)
    print('  NATS server 1 frozen for 6 s and thawed: %d of 90 commits acknowledged meanwhile, writes resumed '
          '(%d nodes re-seeded%s)'
          % (acked_while_frozen, reseeded, lost_note(lost)), flush=True)

    # A node from a checkpoint node 3 writes while it serves and writes go
    # on (node 2 compacting its files meanwhile), and one on an empty
    # directory.
    batch, txns_left = txns_left[:30], txns_left[30:]
    writers = write([(nodes[0], batch)], outcomes, pause=0.01)
    time.sleep(0.2)
    r = run([TOOL, 'checkpoint', 'postgresql://tester@127.0.0.1:%d/hindsight' % nodes[2],
             os.path.join(WORK, 'from-checkpoint')])
    assert r.returncode == 0 and re.match(r'checkpoint of transactions 1\.\.\d+ written to ', r.stdout), r.stdout + r.stderr
    r = run([TOOL, 'compact', 'postgresql://tester@127.0.0.1:%d/hindsight' % nodes[1]])
    assert r.returncode == 0 and re.match(r'compacted .* MB on disk$', r.stdout), r.stdout + r.stderr
    join(writers, outcomes)
    start_extra_node(os.path.join(WORK, 'from-checkpoint'))
    start_extra_node(os.path.join(WORK, 'empty'))
    log_lines = check_logs(outcomes, reseed=True)
    check_answers(txns, log_lines)
    stop_extra_nodes()
    reseeded = outcomes.extra_reseeded
    print('  nodes from a checkpoint and from nothing equal the others; all answer as one database%s'
          % (' (%d re-seeded: NATS handed them an entry it did not keep)' % reseeded if reseeded else ''), flush=True)

    # An existing database grown into a cluster.
    single = os.path.join(WORK, 'demo')
    r = run([TOOL, 'import', single, os.path.join(SOURCE, 'demo', 'news.tsv')])
    assert r.returncode == 0, r.stderr
    r = run([TOOL, 'cluster', 'init', single, '--nats', nats_urls(), '--stream', 'demo'])
    assert r.returncode == 0 and 'published 7 transactions' in r.stdout, r.stdout + r.stderr
    r = run([TOOL, 'cluster', 'init', single, '--nats', nats_urls(), '--stream', 'demo'])
    assert r.returncode == 1 and 'needs an empty stream' in r.stderr, r.stderr
    first = start_extra_node(single, 'demo')
    second = start_extra_node(os.path.join(WORK, 'demo-2'), 'demo')
    conn = psycopg2.connect(dsn(second))
    conn.autocommit = True
    conn.cursor().execute('assert Ukraine relation Syria = "restored" from 2025-09-25')
    conn.close()
    conn = psycopg2.connect(dsn(first))
    cur = conn.cursor()
    cur.execute('await tx 8 timeout 10s')
    cur.execute('Ukraine relation Syria')
    assert [r[3] for r in cur.fetchall()] == ['restored']
    conn.close()
    # The same as a connection option, and its timeout.
    conn = psycopg2.connect(dsn(first), options='-c hindsight.await_tx=8')
    cur = conn.cursor()
    cur.execute('count Ukraine relation Syria')
    assert cur.fetchone()[0] == 1
    conn.close()
    started = time.time()
    try:
        psycopg2.connect(dsn(first).replace('connect_timeout=10', 'connect_timeout=30'),
                         options='-c hindsight.await_tx=9')
        raise AssertionError('connected before transaction 9 existed')
    except psycopg2.OperationalError as e:
        assert 'transaction 9 is not here' in str(e), str(e)
    assert 9 < time.time() - started < 20
    # A file loaded through one node with COPY reaches the other.
    conn = psycopg2.connect(dsn(second))
    conn.autocommit = True
    conn.cursor().copy_expert('COPY operations FROM STDIN', io.StringIO(
        'tx\t\tcopy\nassert\tUkraine\trelation\tGhana\t"talks"\t2026-01-01\t+inf\n'))
    conn.close()
    conn = psycopg2.connect(dsn(first))
    cur = conn.cursor()
    cur.execute('await tx 9 timeout 10s')
    cur.execute('Ukraine relation Ghana')
    assert [r[3] for r in cur.fetchall()] == ['talks']
    conn.close()
    stop_extra_nodes()
    demo_queries = QUERIES[:3] + ['* * * as of tx 7']
    assert answers(single, demo_queries) == answers(os.path.join(WORK, 'demo-2'), demo_queries)
    # The stream trimmed to a checkpoint: new nodes start from it, not from nothing.
    copy = os.path.join(WORK, 'demo-checkpoint')
    assert run([TOOL, 'checkpoint', single, copy]).returncode == 0
    trim = [TOOL, 'cluster', 'trim', copy, '--nats', nats_urls(), '--stream', 'demo']
    r = run(trim)
    assert r.returncode == 0 and re.match(r'trimmed entries 1\.\.8 from stream demo at .*: it holds 9\.\.9;', r.stdout), \
        r.stdout + r.stderr
    r = run(trim)
    assert r.returncode == 0 and 'nothing before transaction 9 to trim' in r.stdout, r.stdout + r.stderr
    r = run([TOOL, 'serve', '--listen', '127.0.0.1:0', '--nats', nats_urls(), '--stream', 'demo',
             os.path.join(WORK, 'demo-empty')], timeout=60)
    assert r.returncode != 0 and 'start this node from a checkpoint of transaction 8 or later' in r.stderr, \
        r.stdout + r.stderr
    port = start_extra_node(copy, 'demo')
    r = run([TOOL, 'status', '127.0.0.1:%d' % port])
    assert r.returncode == 0 and '| log_first | log_last |' in r.stdout and \
        re.search(r'\| 9 +\| 9 +\| 9 +\| 0 +\| following', r.stdout), \
        r.stdout + r.stderr
    conn = psycopg2.connect(dsn(port))
    conn.autocommit = True
    conn.cursor().execute('assert Ukraine relation Chad = "talks" from 2026-02-01')
    conn.close()
    stop_extra_nodes()
    assert answers(copy, demo_queries) != answers(single, demo_queries)
    first = start_extra_node(single, 'demo')
    cur = psycopg2.connect(dsn(first)).cursor()
    cur.execute('await tx 10 timeout 10s')
    stop_extra_nodes()
    assert answers(copy, demo_queries) == answers(single, demo_queries)
    print('  cluster init: a demo database and a node replaying its stream answer alike; COPY through one '
          'reaches the other; trimmed to a checkpoint, the stream starts nodes from it', flush=True)

    # Every NATS server stopped: each node's status says its log does not
    # answer, the nodes asked at once (one after another would take a
    # request timeout, 5 s, each), and a server that is not there gets a
    # row of one line; then each node stops at once on SIGTERM.
    for n in ('1', '2', '3'):
        cluster('stop', 'nats', n)
    nodes = [NODE_PORT, NODE_PORT + 1, NODE_PORT + 2]
    started = time.time()
    r = run([TOOL, 'status'] + ['127.0.0.1:%d' % p for p in nodes] + ['127.0.0.1:%d' % free_base(1)])
    status_took = time.time() - started
    rows = [l for l in r.stdout.splitlines() if l.startswith('127.0.0.1:')]
    assert r.returncode == 1 and len(rows) == len(nodes) + 1, r.stdout + r.stderr
    assert all('log unavailable' in l for l in rows[:-1]), r.stdout
    assert 'unreachable:' in rows[-1] and 'Is the server running' in rows[-1], r.stdout
    assert status_took < 2.5 * 5, 'status of %d nodes without their log took %.1f s' % (len(nodes), status_took)

    # A node restarted while every server is away starts, answers reads as
    # of what it has, and refuses writes, committing nothing; once the
    # servers are back it follows the stream and writes go through it.
    cluster('stop', 'node', '3')
    started = time.time()
    cluster('start', 'node', '3')
    start_took = time.time() - started
    row = status(NODE_PORT + 2)
    assert row['state'].startswith('log unavailable: no NATS server answers'), row
    applied = int(row['applied'])
    conn = psycopg2.connect(dsn(NODE_PORT + 2))
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute('count * * *')
    assert cur.fetchone()[0] > 0
    try:
        cur.execute('assert Ukraine relation Chad = "away" from 2026-03-01')
        raise AssertionError('a write through a node without its servers was taken')
    except psycopg2.Error as e:
        assert e.pgcode == '40003' and 'the transaction is not committed' in str(e), e
    for n in ('1', '2', '3'):
        cluster('start', 'nats', n)
    # Stopped together, the servers may come back without entries they
    # had acknowledged (docs/cluster.md): the nodes, ahead of the stream,
    # refuse writes saying so, and the stream is re-seeded as an operator
    # would, restarting the nodes.
    deadline = time.time() + 60
    lost = False
    while True:
        try:
            cur.execute('assert Ukraine relation Chad = "back" from 2026-03-01')
            break
        except psycopg2.Error as e:
            assert e.pgcode == '40003' and time.time() < deadline, e
            if not lost and 'lost entries they had acknowledged' in str(e):
                conn.close()
                lost = reseed_lost_stream(outcomes)
                conn = psycopg2.connect(dsn(NODE_PORT + 2))
                conn.autocommit = True
                cur = conn.cursor()
                applied = int(status(NODE_PORT + 2)['applied'])
            time.sleep(0.5)
    row = status(NODE_PORT + 2)
    assert int(row['applied']) == applied + 1 and row['state'] == 'following', row
    other = psycopg2.connect(dsn(NODE_PORT))
    other.autocommit = True
    other.cursor().execute('await tx %d timeout 30s' % (applied + 1))
    # Notifications flow both ways again: node 3's relay connected once the
    # servers came, node 1's reconnected.
    assert_notifies_reach(conn, other)
    assert_notifies_reach(other, conn)
    other.close()
    conn.close()
    print('  a node restarted with every NATS server stopped served reads at once (%.1f s) and refused writes; '
          'with the servers back, it followed and wrote%s' % (start_took, lost_note(lost)), flush=True)
    for n in ('1', '2', '3'):
        cluster('stop', 'nats', n)
    started = time.time()
    cluster('down')
    down_took = time.time() - started
    assert down_took < 10, 'stopping the nodes without their log took %.1f s' % down_took
    print('  every NATS server stopped: the nodes\' status says so (%.1f s for three), and they stop '
          '(%.1f s for three)' % (status_took, down_took), flush=True)


def main():
    global TOOL, WORKLOAD, WORK, ENV, NODE_PORT, NATS_PORT
    TOOL = os.path.abspath(sys.argv[1])
    WORKLOAD = os.path.abspath(sys.argv[2])
    WORK = tempfile.mkdtemp(prefix='hindsight-cluster-test-')
    NODE_PORT = free_base(3)
    NATS_PORT = free_base(3, also=(2000,))
    ENV = dict(os.environ, HINDSIGHT_CLUSTER_DIR=os.path.join(WORK, 'cluster'), HINDSIGHT_CLUSTER_PORT=str(NODE_PORT),
               HINDSIGHT_CLUSTER_NATS_PORT=str(NATS_PORT), HINDSIGHT=TOOL)
    # SIGTERM (a timeout, a user) still runs the clean-up below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    failed = 0
    try:
        start = time.time()
        try:
            test_cluster()
            print('ok      test_cluster (%.1f s)' % (time.time() - start), flush=True)
        except Exception:  # noqa: BLE001
            failed = 1
            print('FAILED  test_cluster\n%s' % traceback.format_exc(), flush=True)
            for f in sorted(os.listdir(os.path.join(WORK, 'cluster'))):
                if f.endswith('.log'):  # the nodes', the NATS servers', the test's own nodes'
                    with open(os.path.join(WORK, 'cluster', f)) as log:
                        print('--- %s\n%s' % (f, log.read()[-3000:]))
    finally:
        stop_extra_nodes()
        if failed and os.environ.get('HINDSIGHT_KEEP_FAILED_CLUSTER'):
            print('kept: %s, nodes from port %d, NATS from port %d' % (WORK, NODE_PORT, NATS_PORT))
        else:
            run([CLUSTER_SH, 'down'], env=ENV, timeout=120)
            shutil.rmtree(WORK, ignore_errors=True)
    return failed


if __name__ == '__main__':
    sys.exit(main())
