#!/usr/bin/env python3
"""How the macro benchmark's figures grow with the workload.

Reads the --results files of hindsight-bench runs named keys-N.tsv (lines
MEASURE<TAB>HINDSIGHT<TAB>SQLITE), prints a Markdown table on standard output
and, with --svg FILE, draws three log-scale panels: import time, Hindsight's
median latency per query class, and bytes on disk per stored version.
No third-party modules: the SVG is written by hand.
"""
import argparse
import math
import os
import re
import sys

CLASSES = ["q_point", "q_bitemporal", "q_interval", "q_subject", "q_object", "q_pair", "q_history", "q_slice"]
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def read_results(path):
    m = re.search(r"keys-(\d+)\.tsv$", os.path.basename(path))
    if not m:
        sys.exit(f"plot_scale: {path}: expected a file named keys-N.tsv")
    figures = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 3:
                sys.exit(f"plot_scale: {path}:{number}: expected MEASURE<TAB>HINDSIGHT<TAB>SQLITE")
            figures[fields[0]] = (float(fields[1]), float(fields[2]))
    return int(m.group(1)), figures


def markdown(runs):
    keys = [k for k, _ in runs]
    out = ["| measure | " + " | ".join(f"{k:,} keys" for k in keys) + " |",
           "|---|" + "---:|" * len(keys)]

    def row(label, cells):
        out.append(f"| {label} | " + " | ".join(cells) + " |")

    row("operations", [f"{int(f['operations'][0]):,}" for _, f in runs])
    row("stored versions (history rows)", [f"{int(f['history_rows'][0]):,}" for _, f in runs])
    row("import s, Hindsight / SQLite",
        [f"{f['import_s'][0]:.2f} / {f['import_s'][1]:.2f} ({f['import_s'][1] / f['import_s'][0]:.2f}x)" for _, f in runs])
    row("bytes per version, Hindsight / SQLite",
        [f"{f['bytes'][0] / f['history_rows'][0]:.0f} / {f['bytes'][1] / f['history_rows'][1]:.0f}" for _, f in runs])
    for cls in CLASSES:
        name = cls + ".median_us"
        if all(name in f for _, f in runs):
            row(f"{cls} median µs, Hindsight / SQLite",
                [f"{f[name][0]:.1f} / {f[name][1]:.1f} ({f[name][1] / f[name][0]:.2f}x)" for _, f in runs])
    return "\n".join(out)


class Panel:
    """One log-log chart at (x0, y0) of the SVG."""

    W, H, LEFT, BOTTOM, TOP, RIGHT = 300, 230, 52, 36, 26, 12

    def __init__(self, x0, y0, title, xs, ys, ylabel):
        self.x0, self.y0, self.title, self.ylabel = x0, y0, title, ylabel
        self.xmin, self.xmax = math.log10(min(xs)), math.log10(max(xs))
        lo, hi = math.log10(min(ys)), math.log10(max(ys))
        self.ymin, self.ymax = math.floor(lo), max(math.ceil(hi), math.floor(lo) + 1)
        if self.xmax == self.xmin:
            self.xmax += 1

    def px(self, x):
        span = self.W - self.LEFT - self.RIGHT
        return self.x0 + self.LEFT + (math.log10(x) - self.xmin) / (self.xmax - self.xmin) * span

    def py(self, y):
        span = self.H - self.TOP - self.BOTTOM
        return self.y0 + self.H - self.BOTTOM - (math.log10(y) - self.ymin) / (self.ymax - self.ymin) * span

    def frame(self, xticks):
        s = [f'<text x="{self.x0 + self.W / 2}" y="{self.y0 + 16}" text-anchor="middle" font-weight="bold">{self.title}</text>']
        left, right = self.x0 + self.LEFT, self.x0 + self.W - self.RIGHT
        top, bottom = self.y0 + self.TOP, self.y0 + self.H - self.BOTTOM
        s.append(f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="none" stroke="#888"/>')
        for e in range(self.ymin, self.ymax + 1):
            y = self.py(10 ** e)
            s.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#ddd"/>')
            s.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{10 ** e:g}</text>')
        for k in xticks:
            x = self.px(k)
            s.append(f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle">{k // 1000:,}k</text>')
        s.append(f'<text x="{(left + right) / 2}" y="{bottom + 30}" text-anchor="middle">keys</text>')
        s.append(f'<text transform="translate({self.x0 + 12},{(top + bottom) / 2}) rotate(-90)" '
                 f'text-anchor="middle">{self.ylabel}</text>')
        return s

    def line(self, xs, ys, color, dashed=False):
        points = " ".join(f"{self.px(x):.1f},{self.py(y):.1f}" for x, y in zip(xs, ys))
        dash = ' stroke-dasharray="5,4"' if dashed else ""
        dots = "".join(f'<circle cx="{self.px(x):.1f}" cy="{self.py(y):.1f}" r="2.5" fill="{color}"/>'
                       for x, y in zip(xs, ys))
        return [f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.8"{dash}/>' + dots]


def legend(x, y, entries):
    s = []
    for i, (label, color, dashed) in enumerate(entries):
        dash = ' stroke-dasharray="5,4"' if dashed else ""
        s.append(f'<line x1="{x}" y1="{y + 14 * i}" x2="{x + 18}" y2="{y + 14 * i}" stroke="{color}" stroke-width="2"{dash}/>')
        s.append(f'<text x="{x + 22}" y="{y + 14 * i + 4}">{label}</text>')
    return s


def svg(runs):
    keys = [k for k, _ in runs]
    parts = []
    # Import time.
    hs = [f["import_s"][0] for _, f in runs]
    sq = [f["import_s"][1] for _, f in runs]
    linear = [hs[0] * k / keys[0] for k in keys]
    p = Panel(0, 0, "Import, ready to query", keys, hs + sq + linear, "seconds")
    parts += p.frame(keys) + p.line(keys, linear, "#bbb", True) + p.line(keys, sq, "#999") + p.line(keys, hs, COLORS[0])
    parts += legend(62, 40, [("Hindsight", COLORS[0], False), ("SQLite", "#999", False), ("linear", "#bbb", True)])
    # Median latency per class.
    classes = [c for c in CLASSES if all(c + ".median_us" in f for _, f in runs)]
    values = [f[c + ".median_us"][0] for c in classes for _, f in runs]
    p = Panel(310, 0, "Hindsight median latency", keys, values, "µs per query")
    parts += p.frame(keys)
    for i, c in enumerate(classes):
        parts += p.line(keys, [f[c + ".median_us"][0] for _, f in runs], COLORS[i % len(COLORS)])
    parts += legend(630, 40, [(c[2:], COLORS[i % len(COLORS)], False) for i, c in enumerate(classes)])
    # Bytes per stored version.
    hs = [f["bytes"][0] / f["history_rows"][0] for _, f in runs]
    sq = [f["bytes"][1] / f["history_rows"][1] for _, f in runs]
    p = Panel(720, 0, "Bytes on disk per version", keys, hs + sq, "bytes")
    parts += p.frame(keys) + p.line(keys, sq, "#999") + p.line(keys, hs, COLORS[0])
    parts += legend(782, 40, [("Hindsight", COLORS[0], False), ("SQLite", "#999", False)])
    body = "\n".join(parts)
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="1030" height="240" font-family="sans-serif" '
            f'font-size="11">\n<rect width="1030" height="240" fill="white"/>\n{body}\n</svg>\n')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", help="write the chart here")
    parser.add_argument("results", nargs="+", help="keys-N.tsv files from hindsight-bench --results")
    args = parser.parse_args()
    runs = sorted(read_results(p) for p in args.results)
    print(markdown(runs))
    if args.svg:
        with open(args.svg, "w", encoding="utf-8") as f:
            f.write(svg(runs))


if __name__ == "__main__":
    main()
