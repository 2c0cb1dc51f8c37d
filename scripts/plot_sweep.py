#!/usr/bin/env python3
"""Plots an `etchsim sweep` table: each metric against a varied parameter, one PNG per metric.

    scripts/plot_sweep.py s.csv -o plots/ [--x KEY] [--y METRIC ...]

The table is the sweep's CSV (or JSON) output (docs/sweep.md). Varied keys are the columns after
`point` that name a config key (the report repeats every config key as `config.<key>`). x is the
first varied key unless --x says otherwise; when other keys vary too, each combination of their
values is one line. Without --y: tokens_per_s_per_user, tokens_per_s_aggregate, cycles_total and
every top-level numeric column about energy, power, area or transistors that is present
(energy_j_per_token, power_w, area_mm2, ...; the dotted per-block splits only through --y). Failed points (status != ok) are left out. Files: OUTDIR/<metric>.png.

A sweep over weight schemes with --text (`--vary scheme=...`, columns quality.*) also gets the
quality-area-speed front: OUTDIR/front.png, every point at (area_mm2, quality metric) coloured by
tokens_per_s_per_user, the points no other point beats on all three (smaller area, lower
quality metric, more tokens/s, one strictly) ringed and listed in OUTDIR/front.csv. The quality
metric is quality.kl_divergence when present, else quality.perplexity (--quality to choose).

Needs python3 and matplotlib (Debian: python3-matplotlib).
"""

import argparse
import csv
import json
import math
import os
import re
import sys

DEFAULT_Y = ["tokens_per_s_per_user", "tokens_per_s_aggregate", "cycles_total"]
EXTRA_Y = re.compile(r"energy|power|area|transistor|joule", re.IGNORECASE)


def read_table(path):
    """Columns in file order and rows as dicts of text (JSON values turned into text)."""
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            rows = json.load(f)
        columns = list(rows[0].keys()) if rows else []
        text_rows = []
        for row in rows:
            text_rows.append({k: "" if v is None else (str(v).lower() if isinstance(v, bool)
                                                       else str(v)) for k, v in row.items()})
        return columns, text_rows
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def as_number(text):
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


SCHEME = "scheme"  # `--vary scheme=...`: not a config key
FRONT_X = "area_mm2"
FRONT_SPEED = "tokens_per_s_per_user"


def varied_keys(columns):
    # The sweep writes them right after `point`; report fields named like a config key
    # (serving.admission beside config.serving.admission) come later and are not varied.
    config = {c[len("config."):] for c in columns if c.startswith("config.")}
    keys = []
    for c in columns[columns.index("point") + 1 if "point" in columns else 0:]:
        if c not in config and c != SCHEME:
            break
        keys.append(c)
    if keys:
        return keys
    # A report without its config: the column right after `point`.
    rest = [c for c in columns if c != "point"]
    return rest[:1]


def numeric_column(rows, column):
    values = [as_number(r.get(column, "")) for r in rows]
    return bool(rows) and all(v is not None for v in values)


def default_metrics(columns, rows, varied):
    metrics = [c for c in DEFAULT_Y if c in columns]
    for c in columns:
        if c not in metrics and c not in varied and "." not in c and EXTRA_Y.search(c):
            metrics.append(c)
    return [m for m in metrics if numeric_column(rows, m)]


def file_name(metric):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", metric) + ".png"


def sort_key(text):
    number = as_number(text)
    return (0, number, "") if number is not None else (1, 0.0, text)


def plot(rows, x, series_keys, metric, out_path, plt):
    numeric_x = all(as_number(r[x]) is not None for r in rows)
    categories = sorted({r[x] for r in rows}, key=sort_key)
    groups = {}
    for r in rows:
        label = ", ".join(f"{k}={r[k]}" for k in series_keys)
        groups.setdefault(label, []).append(r)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label in sorted(groups, key=lambda s: [sort_key(p.split("=", 1)[-1])
                                               for p in s.split(", ")]):
        points = sorted(groups[label], key=lambda r: sort_key(r[x]))
        xs = [as_number(r[x]) if numeric_x else categories.index(r[x]) for r in points]
        ys = [as_number(r[metric]) for r in points]
        ax.plot(xs, ys, marker="o", label=label or None)
    if not numeric_x:
        ax.set_xticks(range(len(categories)), categories)
    ax.set_xlabel(x)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} vs {x}")
    ax.grid(True, alpha=0.3)
    if series_keys:
        ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(out_path, dpi=100)
    plt.close(fig)


def pareto_front(rows, quality):
    """Indices of the rows no other row dominates: area and quality no worse, speed no lower,
    and one of them strictly better."""
    def figures(r):
        return (as_number(r[FRONT_X]), as_number(r[quality]), -as_number(r[FRONT_SPEED]))
    values = [figures(r) for r in rows]
    front = []
    for i, a in enumerate(values):
        dominated = any(all(b[k] <= a[k] for k in range(3)) and b != a
                        for j, b in enumerate(values) if j != i)
        if not dominated:
            front.append(i)
    return front


def plot_front(rows, varied, quality, outdir, plt):
    """front.png and front.csv: the quality-area-speed front (see the module's doc)."""
    front = pareto_front(rows, quality)
    labels = [", ".join(f"{k}={r[k]}" for k in varied) for r in rows]
    fig, ax = plt.subplots(figsize=(7.5, 5))
    xs = [as_number(r[FRONT_X]) for r in rows]
    ys = [as_number(r[quality]) for r in rows]
    speeds = [as_number(r[FRONT_SPEED]) for r in rows]
    dots = ax.scatter(xs, ys, c=speeds, cmap="viridis", s=40, zorder=2)
    ax.scatter([xs[i] for i in front], [ys[i] for i in front], s=140, facecolors="none",
               edgecolors="red", linewidths=1.5, zorder=3, label="front")
    for x, y, label in zip(xs, ys, labels):
        ax.annotate(label, (x, y), textcoords="offset points", xytext=(4, 4), fontsize="x-small")
    fig.colorbar(dots, ax=ax, label=FRONT_SPEED)
    ax.set_xlabel(FRONT_X)
    ax.set_ylabel(quality)
    ax.set_title(f"quality-area-speed front ({len(front)} of {len(rows)} points)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    png = os.path.join(outdir, "front.png")
    fig.savefig(png, dpi=100)
    plt.close(fig)
    table = os.path.join(outdir, "front.csv")
    with open(table, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        columns = (["point"] if "point" in rows[0] else []) + varied + [FRONT_X, quality,
                                                                        FRONT_SPEED]
        writer.writerow(columns)
        for i in front:
            writer.writerow([rows[i][c] for c in columns])
    return [png, table]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("table", help="sweep output: CSV or JSON")
    parser.add_argument("-o", "--outdir", required=True, help="directory for the PNGs")
    parser.add_argument("--x", help="the x axis column (default: the first varied key)")
    parser.add_argument("--y", nargs="+", help="metrics to plot (default: speed, cycles, energy, "
                                               "power, area when present)")
    parser.add_argument("--quality", help="the front's quality column (default: "
                                          "quality.kl_divergence, else quality.perplexity)")
    args = parser.parse_args(argv)

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot_sweep: needs matplotlib (Debian: apt-get install python3-matplotlib)",
              file=sys.stderr)
        return 1

    columns, rows = read_table(args.table)
    if "status" in columns:
        rows = [r for r in rows if r.get("status") == "ok"]
    if not rows:
        print(f"plot_sweep: {args.table}: no successful points to plot", file=sys.stderr)
        return 1
    varied = varied_keys(columns)
    x = args.x or (varied[0] if varied else None)
    if x is None or x not in columns:
        print(f"plot_sweep: no column {x!r} for the x axis (columns: {', '.join(columns)})",
              file=sys.stderr)
        return 1
    series_keys = [k for k in varied if k != x]
    metrics = args.y or default_metrics(columns, rows, varied)
    for m in metrics:
        if m not in columns:
            print(f"plot_sweep: no column {m!r}", file=sys.stderr)
            return 1
        if not numeric_column(rows, m):
            print(f"plot_sweep: column {m!r} is not numeric", file=sys.stderr)
            return 1
    if not metrics:
        print("plot_sweep: no metric to plot (give --y)", file=sys.stderr)
        return 1
    quality = args.quality or next((c for c in ("quality.kl_divergence", "quality.perplexity")
                                    if c in columns), None)
    if args.quality and (quality not in columns or not numeric_column(rows, quality)):
        print(f"plot_sweep: --quality {quality!r} is not a numeric column", file=sys.stderr)
        return 1
    front = quality is not None and all(numeric_column(rows, c) for c in
                                        (quality, FRONT_X, FRONT_SPEED))
    os.makedirs(args.outdir, exist_ok=True)
    for m in metrics:
        out_path = os.path.join(args.outdir, file_name(m))
        plot(rows, x, series_keys, m, out_path, plt)
        print(out_path)
    if front:
        for path in plot_front(rows, varied, quality, args.outdir, plt):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
