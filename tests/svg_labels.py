#!/usr/bin/env python3
"""svg_labels.py — checks that no text label of a gnuplot SVG plot overlaps
its legend (key).

    python3 svg_labels.py FILE.svg ...

Reads each text of the SVG as gnuplot writes it (a <g transform="translate(x,y)
[rotate(a)]" font-size=... text-anchor=...> holding one <text>), estimates its
box from the font size (0.6 em per character, 0.75 em above the baseline,
0.25 em below), and takes as legend entries the texts inside a plot's group
(<g id="gnuplot_plot_N">) that repeat the plot's <title>, each widened to the
right over its line sample (gnuplot's samplen 4, drawn after a one-character
gap). Any other text (title, axis labels, tic labels, a colour box's label,
labels plotted "with labels") whose box meets a legend entry's box is an
overlap. Prints each overlap as "FILE: 'label' overlaps legend entry 'name'"
and exits 1 when there is one, 0 when there is none, 2 on a file that is not
such an SVG."""
import re
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
EM_WIDTH, ASCENT, DESCENT, SAMPLE_EM = 0.6, 0.75, 0.25, 5.0


def texts(root):
    """(string, x, y, angle, font size, anchor, legend) of every text."""
    out = []

    def walk(node, plot_title):
        tag = node.tag.replace(NS, "")
        if tag == "g" and (node.get("id") or "").startswith("gnuplot_plot_"):
            title = node.find(NS + "title")
            plot_title = title.text if title is not None else None
        m = re.match(r"translate\(([-\d.]+),([-\d.]+)\)(?:\s*rotate\(([-\d.]+)\))?", node.get("transform") or "")
        text = node.find(NS + "text")
        if tag == "g" and m and text is not None:
            s = "".join(text.itertext()).strip()
            if s:
                out.append((s, float(m.group(1)), float(m.group(2)), float(m.group(3) or 0),
                            float(node.get("font-size") or 12), node.get("text-anchor") or "start",
                            plot_title is not None and s == plot_title.strip()))
        for child in node:
            walk(child, plot_title)

    walk(root, None)
    return out


def box(s, x, y, angle, fs, anchor, legend):
    """The text's box (x0, y0, x1, y1) on the canvas."""
    w = EM_WIDTH * fs * len(s)
    lo = {"start": 0.0, "middle": -w / 2, "end": -w}[anchor]
    hi = lo + w
    if legend:  # the line sample beside the entry
        hi += SAMPLE_EM * EM_WIDTH * fs
    if angle % 180 == 0:
        return (x + lo, y - ASCENT * fs, x + hi, y + DESCENT * fs)
    # rotated by 90 or 270 degrees: the text runs up (270) or down (90) from its anchor
    if angle % 360 == 270:
        return (x - ASCENT * fs, y - hi, x + DESCENT * fs, y - lo)
    return (x - DESCENT * fs, y + lo, x + ASCENT * fs, y + hi)


def overlaps(path):
    root = ET.parse(path).getroot()
    if root.tag != NS + "svg":
        raise ValueError("not an SVG")
    items = texts(root)
    keys = [(t, box(*t)) for t in items if t[6]]
    found = []
    for t in items:
        if t[6]:
            continue
        b = box(*t)
        for k, kb in keys:
            if b[0] < kb[2] and kb[0] < b[2] and b[1] < kb[3] and kb[1] < b[3]:
                found.append("%s: %r overlaps legend entry %r" % (path, t[0], k[0]))
    return found


def main(paths):
    bad = 0
    for path in paths:
        try:
            found = overlaps(path)
        except (ET.ParseError, ValueError, OSError) as e:
            print("%s: %s" % (path, e))
            return 2
        for line in found:
            print(line)
        bad += len(found)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
