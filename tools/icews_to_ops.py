#!/usr/bin/env python3
"""Turns ICEWS14 event files into a Hindsight operations file.

Each event `SUBJECT<TAB>RELATION<TAB>OBJECT<TAB>DAY` becomes
`assert SUBJECT RELATION OBJECT (none) [DAY, DAY+1)`, grouped into one
transaction per day, dated when the events were reported (the next day,
midnight UTC) with source `icews14`. Repeated events on consecutive days
coalesce into one segment, as SEMANTICS requires.

usage: icews_to_ops.py EVENTS_FILE [EVENTS_FILE ...] > ops.tsv
"""

import datetime
import sys
from collections import defaultdict


def escape(name):
    return (name.replace('\\', '\\\\').replace('\t', '\\t')
                .replace('\n', '\\n').replace('\r', '\\r'))


def main(paths):
    if not paths or paths[0] in ('-h', '--help'):
        print(__doc__.strip(), file=sys.stderr if not paths else sys.stdout)
        return 2 if not paths else 0
    by_day = defaultdict(list)
    for path in paths:
        with open(path, encoding='utf-8', newline='\n') as f:
            for number, line in enumerate(f, 1):
                fields = line.rstrip('\n').split('\t')
                if len(fields) != 4:
                    sys.exit('%s:%d: expected 4 TAB-separated fields, found %d' % (path, number, len(fields)))
                subject, relation, obj, day = fields
                try:
                    date = datetime.date.fromisoformat(day)
                except ValueError:
                    sys.exit('%s:%d: bad day %r' % (path, number, day))
                by_day[date].append((subject, relation, obj))
    out = sys.stdout
    out.write('# ICEWS14 events (see tests/data/icews14/README.md), one transaction per day\n')
    for date in sorted(by_day):
        reported = date + datetime.timedelta(days=1)
        out.write('tx\t%s\ticews14\n' % reported.isoformat())
        for subject, relation, obj in sorted(set(by_day[date])):
            out.write('assert\t%s\t%s\t%s\t\t%s\t%s\n' % (escape(subject), escape(relation), escape(obj),
                                                         date.isoformat(), reported.isoformat()))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
