"""Steady-state interactive latency of two churnql release binaries on 3M customers: each latency query runs R
times in one session (the first run of each is dropped: it may fill a cache), sessions alternate between the
binaries, and the medians are printed with their ratio.

    python3 scripts/bench/compare_steady.py BEFORE_BINARY AFTER_BINARY [--repeats R] [--sessions S]
"""
import argparse
import os
import re
import statistics
import subprocess

from run import LATENCY_QUERIES

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=3)
    args = parser.parse_args()
    path = os.path.join(ROOT, "bench-data", "orders_3m_customers.csv")
    r = args.repeats
    script = ".timer on\nfrom customers | take 1\n" + "\n".join(q for q in LATENCY_QUERIES for _ in range(r)) + "\n"
    times = {}
    for _ in range(args.sessions):
        for name, binary in (("before", args.before), ("after", args.after)):
            p = subprocess.run([binary, path, "--format", "csv"], input=script, capture_output=True, text=True,
                               check=True)
            found = [float(m) for m in re.findall(r"run time: ([0-9.]+) s", p.stdout + p.stderr)][1:]
            for i, q in enumerate(LATENCY_QUERIES):
                times.setdefault((name, q), []).extend(found[i * r + 1:i * r + r])
    print("steady-state latency on 3M customers, median seconds (before, after, ratio):")
    for q in LATENCY_QUERIES:
        a = statistics.median(times[("before", q)])
        b = statistics.median(times[("after", q)])
        print(f"  {a:.4f}  {b:.4f}  {b / a:.2f}  {q}")


if __name__ == "__main__":
    main()
