#!/usr/bin/env bash
# Checks the locking that the code declares: every member marked
# ABSL_GUARDED_BY(mu) is touched only with mu held, every function marked
# ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) is called only with it held. GCC ignores
# these annotations; clang's -Wthread-safety checks them. This runs clang
# over every source file of the engine, the server, the cluster and the
# tools with only the front end (-fsyntax-only: no code generated), and
# fails on the first finding. Configures build-tsa/ for the commands.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-tsa -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DHINDSIGHT_BUILD_TESTS=OFF -DHINDSIGHT_BUILD_BENCH=OFF >/dev/null
cmake --build build-tsa --target hindsight_schema >/dev/null  # the generated records.capnp.h
python3 - "$(nproc)" <<'EOF'
import json, os, shlex, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

root = os.getcwd()
dirs = tuple(os.path.join(root, d) + os.sep for d in ('engine', 'server', 'cluster', 'tools'))
commands = [c for c in json.load(open('build-tsa/compile_commands.json'))
            if c['file'].startswith(dirs) and c['file'].endswith('.cc')]

def check(c):
    args = shlex.split(c['command'])
    if '-o' in args:
        i = args.index('-o')
        del args[i:i + 2]
    args += ['-fsyntax-only', '-Wthread-safety', '-Werror=thread-safety']
    r = subprocess.run(args, cwd=c['directory'], capture_output=True, text=True)
    return c['file'], r.returncode, r.stderr

failed = 0
with ThreadPoolExecutor(int(sys.argv[1])) as pool:
    for path, code, err in pool.map(check, commands):
        if code != 0:
            failed += 1
            sys.stdout.write(err)
if failed:
    sys.exit('thread safety: %d of %d files have findings' % (failed, len(commands)))
print('thread safety: %d files checked, the locking they declare holds' % len(commands))
EOF
