#!/usr/bin/env python3
"""End to end: drives the real interactive shell (`hindsight demo`, `hindsight
shell`) in a pseudo-terminal as a person would: types queries, completes with
TAB, presses Ctrl-C, types names in five scripts, leaves with Ctrl-D or \q,
and checks the screen, the exit status, the history file and the stored bytes.

usage: shell_pty_test.py PATH_TO_HINDSIGHT
"""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import tempfile
import time


_unread = b''  # what the terminal showed after the last match


def read_until(fd, pattern, timeout=20.0):
    """Reads from fd until `pattern` (a regex) matches; returns the text up to
    the end of the match and keeps the rest for the next call."""
    global _unread
    seen = _unread
    deadline = time.time() + timeout
    while True:
        m = re.search(pattern, seen)
        if m:
            _unread = seen[m.end():]
            return seen[:m.end()]
        if time.time() > deadline:
            break
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    raise AssertionError('did not see %r; the terminal showed:\n%s' % (pattern, seen.decode(errors='replace')))


def type_keys(fd, keys):
    """Types like a person: only once the line editor has put the terminal in
    its raw mode for the next line (input typed before that may be flushed),
    however long a loaded machine takes to get there."""
    deadline = time.time() + 20
    while time.time() < deadline and termios.tcgetattr(fd)[3] & termios.ICANON:
        time.sleep(0.01)
    time.sleep(0.05)
    os.write(fd, keys)


def start(tool, args, home, tmpdir=None, env_extra=None, size=None):
    pid, fd = pty.fork()
    if pid == 0:
        env = {'HOME': home, 'TERM': 'xterm', 'PATH': os.environ.get('PATH', '/usr/bin:/bin')}
        if tmpdir:
            env['TMPDIR'] = tmpdir
        env.update(env_extra or {})
        os.execve(tool, [tool] + args, env)
    if size:  # (rows, columns) of the terminal
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', size[0], size[1], 0, 0))
    return pid, fd


def wait_exit(pid, fd, keys=None, timeout=6):
    """Types `keys` (if any) and waits for the process to end; returns its
    status and what the terminal showed meanwhile."""
    global _unread
    after = _unread
    _unread = b''
    if keys:
        type_keys(fd, keys)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if select.select([fd], [], [], 0)[0]:
            try:
                after += os.read(fd, 4096)  # keep the terminal drained
            except OSError:
                pass
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status, after
        time.sleep(0.05)
    os.kill(pid, 9)
    raise AssertionError('the shell did not end; the terminal showed: %r' % after[-500:])


def demo_session(tool, home):
    """The news demo: completion, multi-line input, caret errors, timer, Ctrl-C."""
    pid, fd = start(tool, ['demo'], home)
    read_until(fd, rb'Try:')
    read_until(fd, rb'hindsight> ')
    # TAB completes the predicate from the names in the database.
    type_keys(fd, b'Syria diplomatic_rel\t')
    read_until(fd, rb'ations')  # the rest of the name, echoed by the completion
    type_keys(fd, b' Ukraine at 2025-10-01 as of 2025-01-01;\r')
    screen = read_until(fd, rb'\(1 row\)')
    assert b'"talks"' in screen and b'2024-12-30' in screen, screen
    # A statement over two lines, and an error with a caret.
    type_keys(fd, b'Syria * Ukraine\r')
    read_until(fd, rb'\.\.\.> ')
    type_keys(fd, b'at 2025-02-30;\r')
    screen = read_until(fd, rb'\^')
    assert b'no such day in that month' in screen, screen
    # The prompt says what the next line continues: a string, a comment.
    type_keys(fd, b"count 'Syria\r")
    read_until(fd, rb"'\.\.\.> ")
    type_keys(fd, b"' * * /* the\r")
    read_until(fd, rb'/\*\.\.\.> ')
    type_keys(fd, b"count's rows */;\r")
    read_until(fd, rb'\(1 row\)')
    # Keywords complete too; the session goes on after the error.
    type_keys(fd, b'hist\t')
    read_until(fd, rb'ory')
    type_keys(fd, b' Syria diplomatic_relations Ukraine;\r')
    read_until(fd, rb'\(5 rows\)')
    # So do the words that are statements only in their own shape.
    type_keys(fd, b'begin;\r')
    read_until(fd, rb'hindsight\*> ')
    type_keys(fd, b'savep\t')
    read_until(fd, rb'oint')
    type_keys(fd, b' before_fix;\r')
    read_until(fd, rb'savepoint before_fix')
    type_keys(fd, b'rel\t')
    read_until(fd, rb'ease')
    type_keys(fd, b' before_fix;\r')
    read_until(fd, rb'released savepoint before_fix')
    type_keys(fd, b'rollback;\r')
    read_until(fd, rb'hindsight> ')
    type_keys(fd, b'.timer on\r')
    type_keys(fd, b'count * * *;\r')
    read_until(fd, rb'time: [0-9.]+ ms')
    read_until(fd, rb'hindsight> ')
    # Ctrl-C clears the line being typed, and an unfinished statement; the
    # session goes on and the next statement is not glued to the dropped one.
    type_keys(fd, b'Syria * Ukr')
    type_keys(fd, b'\x03')
    read_until(fd, rb'hindsight> ')
    type_keys(fd, b'Syria foreign_minister\r')
    read_until(fd, rb'\.\.\.> ')
    type_keys(fd, b'\x03')
    read_until(fd, rb'statement cancelled')
    read_until(fd, rb'hindsight> ')
    type_keys(fd, b'count Syria * *;\r')
    read_until(fd, rb'\(1 row\)')
    # A transaction survives Ctrl-C; the prompt shows it is open.
    type_keys(fd, b'begin;\r')
    read_until(fd, rb'hindsight\*> ')
    type_keys(fd, b'assert Syria borders Lebanon;\r')
    read_until(fd, rb'hindsight\*> ')
    type_keys(fd, b'\x03')
    read_until(fd, rb'hindsight\*> ')
    # Leaving with it open says what is dropped; a person ending the
    # session exits 0 even after an error.
    status, screen = wait_exit(pid, fd, b'\x04')
    assert b'open transaction rolled back: 1 operation not committed' in screen, screen
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    with open(os.path.join(home, '.hindsight_history'), encoding='utf-8') as f:
        history = f.read().replace('\\040', ' ')  # libedit's file encodes spaces
    assert 'Ukraine at 2025-10-01 as of 2025-01-01;' in history, history
    assert history.count('count * * *;') == 1, history
    # A statement typed over two lines is one history entry.
    assert 'Syria * Ukraine at 2025-02-30;' in history, history


def unicode_session(tool, home):
    """Names and values in five scripts reach the database byte for byte."""
    db = os.path.join(home, 'db')
    pid, fd = start(tool, ['shell', db], home)
    read_until(fd, rb'hindsight> ')
    statements = [
        'assert Türkiye borders Syria = "yes" from 2020-01-01;',
        'assert "Côte d\'Ivoire" member_of "Union économique" from 1994;',
        'assert Россия borders Україна = "спірний" from 2014;',
        'assert مصر borders السودان = "نعم" from 1956;',
        'assert 東京 twinned_with "New York" = "姉妹都市 🗽" from 1960;',
    ]
    for st in statements:
        type_keys(fd, st.encode() + b'\r')
        read_until(fd, rb'committed transaction')
    type_keys(fd, 'Türkiye * *;\r'.encode())
    screen = read_until(fd, rb'\(1 row\)')
    assert 'Türkiye'.encode() in screen, screen
    # Table columns are aligned by display width: an emoji and CJK take two.
    type_keys(fd, '東京 * *;\r'.encode())
    screen = read_until(fd, rb'\(1 row\)').decode()
    lines = [l for l in screen.replace('\r', '').split('\n') if '|' in l]
    header, row = lines[0], lines[-1]
    assert display_width(header[:header.index('| predicate')]) == display_width(row[:row.index('| twinned_with')]), screen
    # TAB writes a name quoted when, unquoted, it would read otherwise: an
    # apostrophe would start a string, -- a comment.
    type_keys(fd, b'assert "Brien\'s" knows "x--y" from 2020;\r')
    read_until(fd, rb'committed transaction')
    type_keys(fd, b'count Bri\t')
    read_until(fd, rb'"Brien\'s"')
    type_keys(fd, b' knows x\t')
    read_until(fd, rb'"x--y"')
    type_keys(fd, b';\r')
    screen = read_until(fd, rb'\(1 row\)')
    assert re.search(rb"\n1\r?\n", screen.replace(b" ", b"")), (_unread, screen)
    for fmt in ['tsv', 'csv', 'json']:
        type_keys(fd, ('.format %s\r' % fmt).encode())
        type_keys(fd, 'Россия * *;\r'.encode())
        read_until(fd, 'спірний'.encode())
    status, _ = wait_exit(pid, fd, b'\\q\r')
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    out = subprocess.run([tool, 'query', '--format', 'tsv', db, '* * *'], capture_output=True, check=True).stdout
    for expected in ['Türkiye\tborders\tSyria\t"yes"', "Côte d'Ivoire\tmember_of\tUnion économique\t",
                     'Россия\tborders\tУкраїна\t"спірний"', 'مصر\tborders\tالسودان\t"نعم"',
                     '東京\ttwinned_with\tNew York\t"姉妹都市 🗽"']:
        assert expected.encode() in out, (expected, out.decode())


def long_answers(tool, home):
    """An answer longer than the screen goes through $PAGER (here one that
    shows three lines and quits early), unless .pager is off; expanded
    display when a table is wider than the screen."""
    pid, fd = start(tool, ['demo'], home, env_extra={'PAGER': 'head -n 3 | sed s/^/PAGED:/'}, size=(12, 60))
    read_until(fd, rb'hindsight> ')
    type_keys(fd, b'history * * *;\r')
    screen = read_until(fd, rb'hindsight> ')
    assert screen.count(b'PAGED:') == 3 and b'PAGED:subject' in screen, screen
    assert b'rows)' not in screen, screen  # the pager quit before the footer
    type_keys(fd, b'count Syria * *;\r')  # short: straight to the screen
    screen = read_until(fd, rb'hindsight> ')
    assert b'(1 row)' in screen and b'PAGED' not in screen, screen
    type_keys(fd, b'.pager off\r')
    type_keys(fd, b'history * * *;\r')
    screen = read_until(fd, rb'rows\)')
    assert b'PAGED' not in screen, screen
    type_keys(fd, b'.expanded auto\r')
    type_keys(fd, b'Syria * Ukraine at 2025-01-01;\r')
    screen = read_until(fd, rb'\(1 row\)')
    assert b'-[ RECORD 1 ]' in screen and b'predicate | diplomatic_relations' in screen, screen
    type_keys(fd, b'count * * * at 2025-01-01;\r')  # narrow: a table
    screen = read_until(fd, rb'\(1 row\)')
    assert b'RECORD' not in screen and b'count' in screen, screen
    status, _ = wait_exit(pid, fd, b'\x04')
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status


def long_answers_as_they_come(tool, home):
    """An answer too long to hold goes to the pager as its rows come: a pager
    that quits early stops the statement, with no error and the session
    going on; one that reads to the end gets every row and the count."""
    db = os.path.join(home, 'big')
    ops = os.path.join(home, 'big.tsv')
    with open(ops, 'w') as f:
        f.write('tx\t2024-01-01\tbig\n')
        for i in range(30000):
            f.write('assert\tSubject%d\tp\tObject%d\t%d\t2020\t+inf\n' % (i % 7, i, i))
    subprocess.run([tool, 'import', db, ops], check=True, capture_output=True)
    pid, fd = start(tool, ['shell', db], home, env_extra={'PAGER': 'head -n 3 | sed s/^/PAGED:/'}, size=(12, 60))
    read_until(fd, rb'hindsight> ')
    type_keys(fd, b'* * *;\r')
    screen = read_until(fd, rb'hindsight> ')
    assert screen.count(b'PAGED:') == 3 and b'PAGED:subject' in screen, screen
    assert b'error' not in screen and b'cancelled' not in screen and b'rows)' not in screen, screen
    type_keys(fd, b'count * * *;\r')
    assert b'30000' in read_until(fd, rb'\(1 row\)')
    status, _ = wait_exit(pid, fd, b'\x04')
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    pid, fd = start(tool, ['shell', db], home, env_extra={'PAGER': 'tail -n 2 | sed s/^/PAGED:/'}, size=(12, 60))
    read_until(fd, rb'hindsight> ')
    type_keys(fd, b'* * *;\r')
    screen = read_until(fd, rb'hindsight> ')
    assert re.search(rb'PAGED:Subject6 +\| p +\| Object9995 +\| 9995 ', screen), screen  # the last row
    assert b'PAGED:(30000 rows)' in screen, screen
    status, _ = wait_exit(pid, fd, b'\x04')
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status


def display_width(text):
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(c) in 'WF' else 0 if unicodedata.combining(c) else 1 for c in text)


def demo_cleans_up_on_signals(tool, home):
    """The demo's temporary database goes away on Ctrl-D and on SIGTERM."""
    for how in ['ctrl-d', 'sigterm', 'sighup']:
        tmp = tempfile.mkdtemp(dir=home)
        pid, fd = start(tool, ['demo'], home, tmp)
        read_until(fd, rb'hindsight> ')
        assert os.listdir(tmp), 'the demo made no temporary directory'
        if how == 'ctrl-d':
            status, _ = wait_exit(pid, fd, b'\x04')
        else:
            os.kill(pid, signal.SIGTERM if how == 'sigterm' else signal.SIGHUP)
            status, _ = wait_exit(pid, fd)
        assert os.WIFEXITED(status), (how, status)
        assert os.listdir(tmp) == [], (how, os.listdir(tmp))


def main():
    tool = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix='hindsight-shell-pty-') as work:
        for session in [demo_session, unicode_session, demo_cleans_up_on_signals, long_answers,
                        long_answers_as_they_come]:
            home = os.path.join(work, session.__name__)
            os.mkdir(home)
            session(tool, home)
    print('shell pty test: completion, multi-line input and history, caret errors, timer, Ctrl-C, '
          'transactions, exit status, UTF-8 in five scripts, width alignment, demo cleanup, pager, '
          'expanded display, long answers paged as they come')


if __name__ == '__main__':
    main()
