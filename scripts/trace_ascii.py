#!/usr/bin/env python3
"""ASCII sketch of the view a run's .gtkw opens in GTKWave: its start time and zoom, the rows of
the first open group with their aliases, sampled into COLUMNS characters (docs/chip.md).

    scripts/trace_ascii.py FILE.gtkw [--columns 100]

A `state` row draws per column the most telling state within the column's time span: 'S'
stalled, else '#' busy, else 'w' waiting, else '.' idle. Other rows print their value at the
start of a column where it differs from the column before ('x' unknown) and '-' while it holds.
"""
import argparse
import os
import re
import sys

STATE_CHARS = {0: ".", 1: "#", 2: "S", 3: "w"}


def parse_gtkw(path):
    start, zoom, dump = 0, 0.0, None
    rows, group, open_group = [], None, None
    collapsed = False
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("[dumpfile]"):
            dump = line.split('"')[1]
        elif line.startswith("[timestart]"):
            start = int(line.split()[1])
        elif line.startswith("*"):
            zoom = float(line[1:].split()[0])
        elif line.startswith("@"):
            flags = int(line[1:], 16)
            collapsed = bool(flags & (1 << 22))
        elif line.startswith("-"):
            name = line[1:]
            if group is None:
                group = name
                if not collapsed and open_group is None:
                    open_group = name
            else:
                group = None
        elif group is not None and group == open_group:
            m = re.match(r"\+\{(.*)\} (\S+)$", line)
            alias, signal = (m.group(1), m.group(2)) if m else (line, line)
            rows.append((alias, re.sub(r"\[\d+:\d+\]$", "", signal)))
    if dump is None:
        sys.exit(f"{path}: no [dumpfile]")
    dump = os.path.join(os.path.dirname(path), dump)
    return dump, start, 2.0 ** -zoom, open_group, rows


def parse_vcd(path, wanted):
    ids, changes, scope, t = {}, {}, [], 0
    comments = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    header, _, body = text.partition("$enddefinitions")
    for m in re.finditer(r"\$(\w+)(.*?)\$end", header, re.S):
        kind, words = m.group(1), m.group(2).split()
        if kind == "scope":
            scope.append(words[1])
        elif kind == "upscope":
            scope.pop()
        elif kind == "var":
            name = ".".join(scope + [words[3]])
            if name in wanted:
                ids.setdefault(words[2], []).append(name)
        elif kind == "comment":
            comments.append(" ".join(words))
    end = 0
    for line in body.splitlines():
        line = line.strip()
        if not line or line.startswith("$"):
            continue
        if line.startswith("#"):
            t = int(line[1:])
            end = t
            continue
        if line[0] in "bB":
            value, ident = line[1:].split()
        else:
            value, ident = line[0], line[1:]
        for name in ids.get(ident, []):
            v = None if "x" in value.lower() else int(value, 2)
            changes.setdefault(name, []).append((t, v))
    return changes, end, comments


def states_in(changes, t0, t1):
    """The values a row holds during [t0, t1)."""
    held, seen = None, set()
    for time, value in changes:
        if time <= t0:
            held = value
        elif time < t1:
            seen.add(value)
        else:
            break
    seen.add(held)
    return seen


def value_at(changes, t):
    v = None
    for time, value in changes:
        if time > t:
            break
        v = value
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gtkw")
    ap.add_argument("--columns", type=int, default=100)
    a = ap.parse_args()
    if a.columns < 10 or a.columns > 1000:
        sys.exit("--columns must be 10..1000")
    dump, start, per_px, group, rows = parse_gtkw(a.gtkw)
    changes, end, comments = parse_vcd(dump, {signal for _, signal in rows})
    per_cycle = 1
    for c in comments:
        if c.startswith("etchsim time_units_per_cycle "):
            per_cycle = int(c.split()[-1])
    # GTKWave's default wave pane at the .gtkw's window size is about 1300 pixels wide.
    span = per_px * 1300
    step = span / a.columns
    label = max(len(alias) for alias, _ in rows) if rows else 10
    print(f"group {group}: cycles {start // per_cycle} to {int(start + span) // per_cycle}"
          f" ({step / per_cycle:.0f} cycles per column)")
    for alias, signal in rows:
        ch = changes.get(signal, [])
        out, last = ["-"] * a.columns, object()
        for col in range(a.columns):
            t0 = start + col * step
            v = value_at(ch, t0)
            if signal.endswith(".state"):
                seen = states_in(ch, t0, t0 + step)
                out[col] = next((STATE_CHARS[s] for s in (2, 1, 3, 0) if s in seen), "x")
            elif v != last:
                text = "x" if v is None else str(v)
                out[col : col + len(text)] = list(text)  # a long value covers the next columns
            last = v
        line = "".join(out)[: a.columns]
        print(f"{alias:<{label}} |{line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
