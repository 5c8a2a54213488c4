"""Draws the plots of docs/performance.md from the CSV files beside it.

    python3 -m venv target/plot-venv && target/plot-venv/bin/pip install matplotlib
    target/plot-venv/bin/python docs/performance/plot.py

Reads latency-vs-statements.csv (from `examples/scale sweep`) and
enterprise-distribution.csv (from `tollgate bench --distribution`), writes
latency-vs-statements.png and enterprise-distribution.png.
"""

import csv
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def latency_vs_statements():
    rows = list(csv.DictReader(open(os.path.join(HERE, "latency-vs-statements.csv"))))
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    for probe, colour in (("allowed", "tab:green"), ("explicit_deny", "tab:red"), ("implicit_deny", "tab:blue")):
        mine = [r for r in rows if r["probe"] == probe]
        xs = [int(r["statements"]) for r in mine]
        ax.plot(xs, [int(r["p50_ns"]) for r in mine], "o-", color=colour, label=f"{probe} p50")
        ax.plot(xs, [int(r["p99_ns"]) for r in mine], "x--", color=colour, alpha=0.6, label=f"{probe} p99")
    ax.set_xscale("log")
    ax.set_xlabel("statements in the policy set (one principal's identity policies)")
    ax.set_ylabel("ns per decision")
    ax.set_ylim(bottom=0)
    ax.set_title("tollgate decision latency vs statement count (in-process, 1 core)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, "latency-vs-statements.png"))


def enterprise_distribution():
    path = os.path.join(HERE, "enterprise-distribution.csv")
    if not os.path.exists(path):
        return
    rows = list(csv.DictReader(open(path)))
    qs = [float(r["quantile"]) for r in rows]
    ns = [int(r["ns"]) for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    ax.plot([n / 1000 for n in ns], qs, "-", color="tab:blue")
    ax.set_xscale("log")
    ax.set_xlabel("µs per decision (log)")
    ax.set_ylabel("share of decisions at or below")
    ax.set_title("enterprise store: distribution of in-process decision latency")
    for q in (0.5, 0.99, 0.999):
        ax.axhline(q, color="grey", lw=0.5, ls=":")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, "enterprise-distribution.png"))


latency_vs_statements()
enterprise_distribution()
