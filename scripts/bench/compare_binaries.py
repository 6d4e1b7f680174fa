"""Times two churnql release binaries (e.g. before and after a change) alternately on the same machine:
the 10M-order status job and the interactive latency queries on 3M customers (files made by scripts/bench/run).

    python3 scripts/bench/compare_binaries.py BEFORE_BINARY AFTER_BINARY [--runs N]
"""
import argparse
import os
import re
import statistics
import subprocess
import time

from run import LATENCY_QUERIES, STATUS_QUERY

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    binaries = {"before": args.before, "after": args.after}
    orders = os.path.join(ROOT, "bench-data", "orders_10m.csv")
    job = {k: [] for k in binaries}
    outputs = {}
    for _ in range(args.runs * 3):
        for name, binary in binaries.items():
            start = time.perf_counter()
            p = subprocess.run([binary, orders, "--quiet", "--format", "csv", "-c", STATUS_QUERY],
                               capture_output=True, check=True)
            job[name].append(time.perf_counter() - start)
            outputs[name] = p.stdout
    print("10M status job, seconds: median / min (before, after); same output:",
          outputs["before"] == outputs["after"])
    for name in binaries:
        print(f"  {name}: {statistics.median(job[name]):.3f} / {min(job[name]):.3f}")
    sessions = os.path.join(ROOT, "bench-data", "orders_3m_customers.csv")
    script = ".timer on\nfrom customers | take 1\n" + "\n".join(LATENCY_QUERIES) + "\n"
    times = {k: {q: [] for q in LATENCY_QUERIES} for k in binaries}
    for _ in range(args.runs):
        for name, binary in binaries.items():
            p = subprocess.run([binary, sessions, "--format", "csv"], input=script, capture_output=True, text=True,
                               check=True)
            found = [float(m) for m in re.findall(r"run time: ([0-9.]+) s", p.stdout + p.stderr)]
            for query, seconds in zip(LATENCY_QUERIES, found[1:]):
                times[name][query].append(seconds)
    print("interactive latency on 3M customers, median seconds (before, after, ratio):")
    for query in LATENCY_QUERIES:
        before = statistics.median(times["before"][query])
        after = statistics.median(times["after"][query])
        print(f"{before:7.3f} {after:7.3f} {after / before if before else 0:5.2f}  {query}")


if __name__ == "__main__":
    main()
