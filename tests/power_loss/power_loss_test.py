#!/usr/bin/env python3
"""Power-loss test: acknowledged commits survive a power cut on a file system
that keeps only what POSIX makes durable (powercut_fs, beside this file).

Runs the real `hindsight` commands on the FUSE mount, cuts the power at many
points (while a database is created, right after commits return, mid-stream,
during `compact`, during the open that recovers from a cut), mounts the
survivor and checks: the database opens; its log is exactly transactions
1..N; N is at least the number of commits acknowledged before the cut; its
answers equal those of a database imported from the same first N
transactions on an ordinary file system. A control import with --no-sync must
lose acknowledged transactions, so the file system is shown to forget.

usage: power_loss_test.py HINDSIGHT POWERCUT_FS
Exits 77 (skipped) with a message where the machine has no FUSE.
"""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
TRANSACTIONS = 24


def workload(seed):
    """TRANSACTIONS transactions as (time, source, [operation fields])."""
    rng = random.Random(seed)
    subjects = ["Syria", "Ukraine", "Russia", "Türkiye", "Côte d'Ivoire"]
    predicates = ["relations", "embassy", "trade"]
    txs = []
    for i in range(TRANSACTIONS):
        ops = []
        for _ in range(rng.randint(1, 6)):
            s, o = rng.sample(subjects, 2)
            p = rng.choice(predicates)
            start = 2000 + rng.randint(0, 30)
            end = "+inf" if rng.random() < 0.5 else str(start + rng.randint(1, 10))
            kind = rng.random()
            if kind < 0.7:
                ops.append(("assert", s, p, o, str(rng.randint(0, 9)), str(start), end))
            elif kind < 0.93:
                ops.append(("retract", s, p, o, "", str(start), end))
            else:
                ops.append(("erase", s, p, o))
        txs.append((f"2024-01-{i + 1:02d}", f"source{i}", ops))
    return txs


def ops_file(txs):
    lines = []
    for time_, source, ops in txs:
        lines.append(f"tx\t{time_}\t{source}")
        lines.extend("\t".join(op) for op in ops)
    return "\n".join(lines) + "\n"


def quoted(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def shell_script(txs):
    out = []
    for time_, source, ops in txs:
        out.append(f"begin at {time_} source {source};")
        for op in ops:
            key = " ".join(quoted(n) for n in op[1:4])
            if op[0] == "assert":
                out.append(f"assert {key} = {op[4]} from {op[5]} to {op[6]};")
            elif op[0] == "retract":
                out.append(f"retract {key} from {op[5]} to {op[6]};")
            else:
                out.append(f"erase {key};")
        out.append("commit;")
    return "\n".join(out) + "\n"


class Checker:
    def __init__(self, hindsight, work, txs):
        self.hindsight = hindsight
        self.work = work
        self.txs = txs
        self.reference = {}

    def answers(self, db):
        """The log and every bitemporal row, or None when there is no database."""
        log = subprocess.run([self.hindsight, "log", db], capture_output=True, text=True, timeout=120)
        if log.returncode != 0:
            if "no database" in log.stderr:
                return None
            raise AssertionError(f"the database does not open: {log.stderr.strip()}")
        out = [log.stdout]
        for statement in ["history * * *", "* * *"]:
            q = subprocess.run([self.hindsight, "query", "--format", "tsv", db, statement],
                               capture_output=True, text=True, timeout=120)
            if q.returncode != 0:
                raise AssertionError(f"'{statement}' fails: {q.stderr.strip()}")
            out.append(q.stdout)
        return out

    def expected(self, n):
        if n not in self.reference:
            db = os.path.join(self.work, f"reference-{n}")
            shutil.rmtree(db, ignore_errors=True)
            if n == 0:  # an empty database
                subprocess.run([self.hindsight, "shell", "-c", "", db], check=True, capture_output=True, timeout=120)
            else:
                path = os.path.join(self.work, f"reference-{n}.tsv")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(ops_file(self.txs[:n]))
                subprocess.run([self.hindsight, "import", "--no-sync", db, path], check=True,
                               capture_output=True, timeout=120)
            self.reference[n] = self.answers(db)
        return self.reference[n]

    def check(self, db, acknowledged, may_be_absent):
        """Returns N, the number of transactions that survived."""
        got = self.answers(db)
        if got is None:
            if acknowledged > 0 or not may_be_absent:
                raise AssertionError(f"no database after the cut, {acknowledged} commits acknowledged")
            return 0
        ids = [int(line.split("\t")[0]) for line in got[0].splitlines()]
        n = len(ids)
        if ids != list(range(1, n + 1)):
            raise AssertionError(f"the log is not transactions 1..N: {ids}")
        if n < acknowledged:
            raise AssertionError(f"{acknowledged} commits acknowledged, {n} survived")
        if got != self.expected(n):
            raise AssertionError(f"answers after {n} transactions differ from the reference database")
        return n


class PowercutFs:
    """A mount of powercut_fs over `backing`, cut at its `cut_at`-th operation."""

    def __init__(self, binary, work, backing, cut_at=None):
        self.mountpoint = os.path.join(work, "mnt")
        self.state = os.path.join(work, "fs-state")
        os.makedirs(self.mountpoint, exist_ok=True)
        args = [binary, backing, self.mountpoint, self.state]
        if cut_at is not None:
            args += ["--cut-at", str(cut_at)]
        self.proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 10
        while not os.path.ismount(self.mountpoint):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"powercut_fs did not mount: {self.proc.stderr.read()}")
            time.sleep(0.01)

    def cut(self):
        return os.path.exists(os.path.join(self.state, "cut"))

    def run(self, args):
        """Runs a command on the mount; after a cut it gets a moment to fail, then is killed."""
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        cut_seen = None
        while proc.poll() is None:
            if self.cut():
                cut_seen = cut_seen or time.time()
                if time.time() - cut_seen > 5:
                    proc.kill()
            time.sleep(0.005)
        out, err = proc.communicate()
        return proc.returncode, out, err

    def unmount(self):
        for _ in range(200):
            if subprocess.run(["fusermount3", "-u", self.mountpoint], capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        else:
            subprocess.run(["fusermount3", "-uz", self.mountpoint], capture_output=True)
        self.proc.wait(timeout=30)
        with open(os.path.join(self.state, "ops")) if not self.cut() else open(os.path.join(self.state, "cut")) as f:
            return int(f.read())


class Scenario:
    """One command, run once uncut to count its operations, then cut at many of them."""

    def __init__(self, test, name, prepare, command, acknowledged, may_be_absent, db="db"):
        self.test = test
        self.db = db                      # the database's path inside the mount
        self.name = name
        self.prepare = prepare            # fills the backing directory
        self.command = command            # db path on the mount -> argv
        self.acknowledged = acknowledged  # (exit status, stdout, stderr) -> commits acknowledged
        self.may_be_absent = may_be_absent

    def cut_points(self, total, count):
        """Every 7th of the first 120 operations (creation), `count` spread over all, and the last few."""
        early = range(1, min(total, 120), 7)
        spread = (1 + (total - 1) * i // count for i in range(count))
        last = range(max(1, total - 9), total + 1, 3)
        return sorted(set(early) | set(spread) | set(last))

    def run_once(self, cut_at):
        """Runs the command cut at `cut_at` (None: uncut); returns (backing, acknowledged, ops)."""
        t = self.test
        backing = os.path.join(t.work, "backing")
        shutil.rmtree(backing, ignore_errors=True)
        os.makedirs(backing)
        self.prepare(backing)
        fs = PowercutFs(t.powercut, t.work, backing, cut_at)
        try:
            status, out, err = fs.run(self.command(os.path.join(fs.mountpoint, self.db)))
        finally:
            ops = fs.unmount()
        if cut_at is None and status != 0:
            raise AssertionError(f"{self.name}: the uncut run failed: {err.strip()}")
        return backing, self.acknowledged(status, out, err), ops

    def run(self, count):
        _, _, total = self.run_once(None)
        survivors = []
        for cut_at in self.cut_points(total, count):
            backing, acknowledged, _ = self.run_once(cut_at)
            fs = PowercutFs(self.test.powercut, self.test.work, backing)
            try:
                n = self.test.checker.check(os.path.join(fs.mountpoint, self.db), acknowledged, self.may_be_absent)
            except AssertionError as e:
                raise AssertionError(f"{self.name}, cut at operation {cut_at} of {total}: {e}") from None
            finally:
                fs.unmount()
            survivors.append(n)
            self.test.cuts += 1
            if n > 0 and self.db == "db":
                self.test.cut_states.append(backing + f"-{self.name}-{cut_at}")
                shutil.copytree(backing, self.test.cut_states[-1], symlinks=True)
        print(f"{self.name}: {len(survivors)} cuts over {total} operations; transactions surviving: {survivors}")
        return survivors


class PowerLossTest:
    def __init__(self, hindsight, powercut, work):
        self.hindsight = hindsight
        self.powercut = powercut
        self.work = work
        self.txs = workload(seed=2026)
        self.checker = Checker(hindsight, work, self.txs)
        self.cuts = 0
        self.cut_states = []
        self.ops_path = os.path.join(work, "ops.tsv")
        with open(self.ops_path, "w", encoding="utf-8") as f:
            f.write(ops_file(self.txs))
        self.script_path = os.path.join(work, "script.hs")
        with open(self.script_path, "w", encoding="utf-8") as f:
            f.write(shell_script(self.txs))

    @staticmethod
    def import_acknowledged(status, out, err):
        if status == 0:
            return TRANSACTIONS
        committed = re.search(r"stopped; the (\d+) transactions? before it (?:was|were) committed", err)
        return int(committed.group(1)) if committed else 0

    def nothing(self, backing):
        pass

    def full_database(self, backing):
        subprocess.run([self.hindsight, "import", os.path.join(backing, "db"), self.ops_path], check=True,
                       capture_output=True)

    def run(self):
        h = self.hindsight
        shell = Scenario(self, "shell -f into a new database", self.nothing,
                         lambda db: [h, "shell", "-f", self.script_path, db],
                         lambda status, out, err: out.count("committed transaction"), True)
        shell.run(40)
        Scenario(self, "import into a new nested path", self.nothing, lambda db: [h, "import", db, self.ops_path],
                 self.import_acknowledged, True, db="new/a/b/db").run(12)
        Scenario(self, "import into a new database", self.nothing,
                 lambda db: [h, "import", db, self.ops_path], self.import_acknowledged, True).run(20)
        Scenario(self, "import --bulk into a new database", self.nothing,
                 lambda db: [h, "import", "--bulk", db, self.ops_path], self.import_acknowledged, True).run(14)
        Scenario(self, "compact", self.full_database, lambda db: [h, "compact", db],
                 lambda status, out, err: TRANSACTIONS, False).run(10)
        # The open that recovers from a cut, itself cut.
        states = self.cut_states[:: max(1, len(self.cut_states) // 4)][:4]
        for i, state in enumerate(states):
            survived = self.checker_count(state)
            Scenario(self, f"open after a cut ({i + 1})",
                     lambda backing, state=state: copy_into(state, backing),
                     lambda db: [h, "log", db], lambda status, out, err, n=survived: n, False).run(4)
        self.control()
        print(f"{self.cuts} power cuts: every acknowledged commit survived, every answer exact")

    def checker_count(self, state):
        fs = PowercutFs(self.powercut, self.work, state)
        try:
            return self.checker.check(os.path.join(fs.mountpoint, "db"), 0, False)
        finally:
            fs.unmount()

    def control(self):
        """Without sync, the same cuts must lose acknowledged transactions."""
        h = self.hindsight
        control = Scenario(self, "control: shell --no-sync", self.nothing,
                           lambda db: [h, "shell", "--no-sync", "-f", self.script_path, db],
                           lambda status, out, err: out.count("committed transaction"), True)
        _, _, total = control.run_once(None)
        for cut_at in range(total - 1, total // 2, -max(1, total // 40)):
            backing, acknowledged, _ = control.run_once(cut_at)
            fs = PowercutFs(self.powercut, self.work, backing)
            try:
                self.checker.check(os.path.join(fs.mountpoint, "db"), acknowledged, True)
            except AssertionError as e:
                print(f"control: without sync, a cut at operation {cut_at} of {total} loses data ({e})")
                return
            finally:
                fs.unmount()
        raise AssertionError("control: no cut lost data without sync; the file system does not forget")


def copy_into(state, backing):
    shutil.rmtree(backing)
    shutil.copytree(state, backing, symlinks=True)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    if not os.path.exists("/dev/fuse") or shutil.which("fusermount3") is None:
        print("SKIPPED: this machine has no FUSE (/dev/fuse and fusermount3); the power-loss test needs it")
        return SKIP
    work = tempfile.mkdtemp(prefix="hindsight-power-loss-")
    try:
        PowerLossTest(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), work).run()
    except AssertionError as e:
        print(f"FAILED: {e}")
        return 1
    finally:
        mnt = os.path.join(work, "mnt")
        if os.path.ismount(mnt):
            subprocess.run(["fusermount3", "-uz", mnt], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
