#!/usr/bin/env python3
"""End to end: drives the real interactive shell (`hindsight demo`) in a
pseudo-terminal: types a query, completes a name with TAB, reads the answer
off the terminal, leaves with Ctrl-D, and checks the history file.

usage: shell_pty_test.py PATH_TO_HINDSIGHT
"""
import os
import pty
import re
import select
import sys
import tempfile
import time


_unread = b''  # what the terminal showed after the last match


def read_until(fd, pattern, timeout=10.0):
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
    """Types like a person: a pause first, since the line editor may flush
    input typed before it has set the terminal up for the next line."""
    time.sleep(0.3)
    os.write(fd, keys)


def main():
    tool = sys.argv[1]
    home = tempfile.mkdtemp()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update({'HOME': home, 'TERM': 'xterm'})
        os.execv(tool, [tool, 'demo'])
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
    # Keywords complete too; the session goes on after the error.
    type_keys(fd, b'hist\t')
    read_until(fd, rb'ory')
    type_keys(fd, b' Syria diplomatic_relations Ukraine;\r')
    read_until(fd, rb'\(5 rows\)')
    type_keys(fd, b'.timer on\r')
    type_keys(fd, b'count * * *;\r')
    read_until(fd, rb'time: [0-9.]+ ms')
    read_until(fd, rb'hindsight> ')  # the next prompt: the line editor is reading again
    status = None
    after = b''
    for _ in range(5):  # Ctrl-D on an empty line ends the session
        type_keys(fd, b'\x04')
        deadline = time.time() + 4
        while status is None and time.time() < deadline:
            if select.select([fd], [], [], 0)[0]:
                try:
                    after += os.read(fd, 4096)  # keep the terminal drained
                except OSError:
                    pass
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
            else:
                time.sleep(0.1)
        if status is not None:
            break
    if status is None:
        os.kill(pid, 9)
        raise AssertionError('the shell did not end on Ctrl-D; the terminal showed: %r' % after[-500:])
    # The last statement failed earlier, but Ctrl-D itself ends cleanly;
    # the exit status reports that one statement failed.
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 1, status
    with open(os.path.join(home, '.hindsight_history')) as f:
        history = f.read().replace('\\040', ' ')  # libedit's file encodes spaces
    assert 'Ukraine at 2025-10-01 as of 2025-01-01;' in history, history
    assert history.count('count * * *;') == 1, history
    print('shell pty test: completion, multi-line input, caret errors, timer and history work')


if __name__ == '__main__':
    main()
