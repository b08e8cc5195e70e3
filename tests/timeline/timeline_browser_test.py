#!/usr/bin/python3
"""The bitemporal picture in a real browser: `timeline history` of the news
example, drawn as SVG by `hindsight shell`, opened by headless Chromium.

- in the page Chromium laid out: a band per transaction that changed the
  key, named by its transaction and source; in each band the values then
  believed, in order; every value label no wider than its bar (measured
  with the browser's own fonts); a legend entry per value;
- in the screenshot Chromium took: the picture's size, and each value's
  colour actually on screen.

usage: timeline_browser_test.py HINDSIGHT
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))

# Measures the drawn SVG and leaves the answer in the page, for --dump-dom.
MEASURE = """
<script>
const bars = [...document.querySelectorAll('rect.bar')].map(r => ({
  y: +r.getAttribute('y'), x: +r.getAttribute('x'), width: +r.getAttribute('width'),
  title: r.querySelector('title').textContent}));
const values = [...document.querySelectorAll('text.value')].map(t => {
  const x = +t.getAttribute('x'), y = +t.getAttribute('y');
  const bar = bars.find(b => b.x <= x && x <= b.x + b.width && b.y <= y && y <= b.y + 24);
  return {text: t.textContent, width: t.getComputedTextLength(), x: x, bar: bar ? bar.x + bar.width - x : -1};
});
const texts = cls => [...document.querySelectorAll('text.' + cls)].map(t => t.textContent);
document.getElementById('result').textContent = JSON.stringify({
  bars: bars, values: values, lanes: texts('lane'), headings: texts('heading'), legend: texts('legend'),
  title: texts('title'), ticks: texts('tick')});
</script>
"""


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)


def chromium(work, *args):
    r = run(['chromium', '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
             '--user-data-dir=' + os.path.join(work, 'profile'), *args])
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def png_pixels(path):
    """(width, height, rows of (r, g, b)) of an 8-bit RGB or RGBA PNG."""
    with open(path, 'rb') as f:
        data = f.read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat, header = 8, b'', None
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            header = struct.unpack('>IIBBBBB', chunk)
        elif kind == b'IDAT':
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append([tuple(line[x * channels:x * channels + 3]) for x in range(width)])
        previous = line
    return width, height, rows


def main():
    tool = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix='hindsight-timeline-browser-')
    try:
        db = os.path.join(work, 'news')
        r = run([tool, 'import', db, os.path.join(SOURCE, 'demo', 'news.tsv')])
        assert r.returncode == 0, r.stderr
        svg = os.path.join(work, 'history.svg')
        r = run([tool, 'shell', db, '-c', 'timeline history Syria diplomatic_relations Ukraine svg %s;' % svg])
        assert r.returncode == 0, r.stderr
        m = re.match(r'wrote .* \(1 key, 3 bands, (\d+)x(\d+) px\)\n$', r.stdout)
        assert m, r.stdout
        width, height = int(m.group(1)), int(m.group(2))

        # The page as Chromium lays it out.
        page = os.path.join(work, 'page.html')
        with open(svg, encoding='utf-8') as f, open(page, 'w', encoding='utf-8') as out:
            out.write('<!doctype html><html><body style="margin:0">%s<pre id="result"></pre>%s</body></html>'
                      % (f.read(), MEASURE))
        dom = chromium(work, '--dump-dom', 'file://' + page)
        found = json.loads(re.search(r'<pre id="result">(.*?)</pre>', dom, re.S).group(1).replace('&quot;', '"')
                           .replace('&amp;', '&').replace('&lt;', '<').replace('&gt;', '>'))
        assert found['title'] == ['timeline history Syria diplomatic_relations Ukraine'], found['title']
        assert found['headings'] == ['Syria diplomatic_relations Ukraine'], found['headings']
        lanes = found['lanes']
        assert len(lanes) == 3, lanes
        for lane, (tx, source) in zip(lanes, [('1', 'news'), ('2', 'kyivpost'), ('5', 'caliber.az')]):
            assert lane.startswith('tx %s ' % tx) and lane.endswith(source), (lane, tx, source)
        # Transaction time down: the values believed in each band.
        bands = {}
        for bar in found['bars']:
            bands.setdefault(bar['y'], []).append((bar['x'], bar['title'].split(' [')[0]))
        believed = [[v for _, v in sorted(bands[y])] for y in sorted(bands)]
        assert believed == [['"severed"'], ['"severed"', '"talks"'], ['"severed"', '"talks"', '"restored"']], believed
        # talks appears at the same place of valid time in both bands.
        talks = [b['x'] for b in found['bars'] if b['title'].startswith('"talks"')]
        assert len(talks) == 2 and abs(talks[0] - talks[1]) < 0.5, talks
        assert found['legend'] == ['"severed"', '"talks"', '"restored"'], found['legend']
        assert len(found['ticks']) >= 3, found['ticks']
        assert len(found['values']) == 6, found['values']
        for v in found['values']:
            assert 0 < v['width'] <= v['bar'], 'label %r (%.1f px) runs past its bar (%.1f px)' % (
                v['text'], v['width'], v['bar'])

        # The screenshot: its size, and each value's colour on screen.
        png = os.path.join(work, 'history.png')
        chromium(work, '--screenshot=' + png, '--window-size=%d,%d' % (width, height), 'file://' + svg)
        w, h, rows = png_pixels(png)
        assert (w, h) == (width, height), (w, h, width, height)
        counts = {}
        for row in rows:
            for pixel in row:
                counts[pixel] = counts.get(pixel, 0) + 1
        for name, colour in [('severed', (0x4e, 0x79, 0xa7)), ('talks', (0xf2, 0x8e, 0x2b)),
                             ('restored', (0x59, 0xa1, 0x4f))]:
            near = sum(n for p, n in counts.items() if max(abs(a - b) for a, b in zip(p, colour)) <= 3)
            assert near > 500, '%s (%s) hardly on screen: %d pixels' % (name, colour, near)
        print('timeline browser test: 3 bands with their transactions and sources, values in order, labels '
              'within their bars, legend, %dx%d screenshot with every value\'s colour' % (w, h))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
