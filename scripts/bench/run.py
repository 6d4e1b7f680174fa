#!/usr/bin/env python3
"""Times churnql, DuckDB and pandas+lifetimes on the same generated orders files, side by side.

    scripts/bench/run --sizes 100k,1m,10m --runs 3 [--skip-lifetimes-above 1m] [--latency]

Each tool runs as its own process; wall time and peak RSS come from /usr/bin/time, stage times from the tools.
Prints a table of medians with churnql/other ratios and writes bench-results.csv. With --latency it also times
typical queries in a session on 3 million customers (18.1M orders, generated once) and writes
bench-latency.csv.
"""
import argparse
import csv
import os
import platform
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
PY = os.path.join(ROOT, ".venv-bench", "bin", "python")


def timed(command, env=None):
    """Runs a command under /usr/bin/time; returns (wall seconds, peak RSS MB, stdout, stderr)."""
    full = ["/usr/bin/time", "-f", "TIME %e %M"] + command
    p = subprocess.run(full, capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=ROOT)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{p.stderr[-2000:]}")
    line = [l for l in p.stderr.splitlines() if l.startswith("TIME ")][-1]
    _, wall, rss = line.split()
    return float(wall), int(rss) / 1024, p.stdout, p.stderr


STATUS_QUERY = "from customers | group status | agg n = count(), revenue = sum(revenue) | sort status"


def churnql(path):
    binary = os.path.join(ROOT, ".build", "release", "churnql")
    query = STATUS_QUERY
    wall, rss, out, err = timed([binary, path, "--quiet", "--format", "csv", "-c", query], {"CHURNQL_TRACE": "1"})
    stages = {}
    for line in err.splitlines():
        m = re.match(r"trace: (.+?) ([0-9.]+) s( \(|$)", line)
        if m and "chunks" not in line:
            stages[m.group(1)] = float(m.group(2))
    counts = ";".join(f"{r.split(',')[0]}={r.split(',')[1]}" for r in out.strip().splitlines()[1:])
    return wall, rss, stages, counts


def churnql_fit(path):
    """The whole job of the issue: load, customers table, status counts, then both fits, in one process."""
    binary = os.path.join(ROOT, ".build", "release", "churnql")
    wall, rss, _, _ = timed([binary, path, "--quiet", "--format", "csv", "-c", STATUS_QUERY, "-c", "fit bgnbd",
                             "-c", "fit gammagamma"])
    return wall, rss


def python_job(script, path):
    wall, rss, out, _ = timed([PY, os.path.join(ROOT, "scripts", "bench", script), path])
    stages = {}
    result = ""
    for line in out.splitlines():
        parts = line.split(",")
        if parts[0] == "stage":
            stages[parts[1]] = float(parts[2])
        elif parts[0] == "result":
            result = parts[1]
    return wall, rss, stages, result


LATENCY_QUERIES = [
    "from customers | where frequency > 2 | group status | agg n = count(), revenue = sum(revenue)",
    "from customers | where days_since_last > 90 and revenue > 500 | count",
    'from customers | where status == "active" | agg r = sum(revenue)',
    "from customers | group lifecycle | agg n = count(), avg_cycle = avg(purchase_cycle_days)",
    "from customers | group y = year(first_order) | agg n = count(), churn = churn_rate()",
    "from customers | sort -revenue | take 10",
    'from customers | where status == "lost" | sort -revenue, customer_id | take 3',
]


def latency(runs, path=None, label="3M customers", out="bench-latency.csv", binary=None):
    """Per-query wall times (`.timer on`) in sessions on one file (by default 3M customers), after the customers
    table is derived. Returns {query: [seconds per session]}, the deriving statement under "derive"."""
    if path is None:
        path = os.path.join(ROOT, "bench-data", "orders_3m_customers.csv")
        if not os.path.exists(path):
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "bench", "generate_orders.py"),
                            "--orders", "18100000", path], check=True)
    binary = binary or os.path.join(ROOT, ".build", "release", "churnql")
    script = ".timer on\nfrom customers | take 1\n" + "\n".join(LATENCY_QUERIES) + "\n"
    times = {q: [] for q in ["derive"] + LATENCY_QUERIES}
    for _ in range(runs):
        p = subprocess.run([binary, path, "--format", "csv"], input=script, capture_output=True, text=True,
                           check=True)
        found = [float(m) for m in re.findall(r"run time: ([0-9.]+) s", p.stdout + p.stderr)]
        if len(found) != len(LATENCY_QUERIES) + 1:
            raise RuntimeError(f"expected {len(LATENCY_QUERIES) + 1} timings, got {found}")
        for q, t in zip(["derive"] + LATENCY_QUERIES, found):
            times[q].append(t)
    print(f"\ninteractive latency on {label} ({runs} sessions; load average {os.getloadavg()[0]:.2f})")
    print(f"{'median s':>8} {'max s':>7}  query")
    with open(os.path.join(ROOT, out), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["query", "median_seconds", "max_seconds"])
        for q in ["derive"] + LATENCY_QUERIES:
            med, top = statistics.median(times[q]), max(times[q])
            print(f"{med:8.3f} {top:7.3f}  {'from customers | take 1 (derives the customers table)' if q == 'derive' else q}")
            w.writerow([q, med, top])
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100k,1m")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-lifetimes-above", default="1m")
    parser.add_argument("--latency", action="store_true", help="also time queries in a session on 3M customers")
    args = parser.parse_args()
    os.makedirs(os.path.join(ROOT, "bench-data"), exist_ok=True)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    memory = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    print(f"machine: {os.cpu_count()} cores, {cpu}, {int(memory) // 1024 // 1024} GiB, {platform.platform()}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    rows = []
    for size in args.sizes.split(","):
        path = os.path.join(ROOT, "bench-data", f"orders_{size}.csv")
        if not os.path.exists(path):
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "bench", "generate_orders.py"),
                            "--orders", str(SIZES[size]), path], check=True)
        results = {"churnql": [], "churnql fit": [], "duckdb": [], "lifetimes": []}
        for _ in range(args.runs):
            results["churnql"].append(churnql(path))
            results["churnql fit"].append(churnql_fit(path))
            results["duckdb"].append(python_job("duckdb_job.py", path))
            if SIZES[size] <= SIZES[args.skip_lifetimes_above]:
                results["lifetimes"].append(python_job("lifetimes_job.py", path))
        c = results["churnql"]
        d = results["duckdb"]
        if c[0][3] != d[0][3]:
            print(f"WARNING: status counts differ: churnql {c[0][3]} duckdb {d[0][3]}")
        med = lambda xs: statistics.median(xs)
        cw, cr = med([r[0] for r in c]), med([r[1] for r in c])
        fw, fr = med([r[0] for r in results["churnql fit"]]), med([r[1] for r in results["churnql fit"]])
        dw, dr = med([r[0] for r in d]), med([r[1] for r in d])
        rows.append((size, "churnql", "load + customers + status (whole process)", cw, cr, "", ""))
        for stage in c[0][2]:
            rows.append((size, "churnql", stage, med([r[2][stage] for r in c]), "", "", ""))
        rows.append((size, "duckdb", "load + group by + status (whole process)", dw, dr, cw / dw, cr / dr))
        for stage in d[0][2]:
            rows.append((size, "duckdb", stage, med([r[2][stage] for r in d]), "", "", ""))
        rows.append((size, "churnql", "load + customers + status + fit bgnbd + fit gammagamma (whole process)", fw, fr, "", ""))
        if results["lifetimes"]:
            l = results["lifetimes"]
            lw, lr = med([r[0] for r in l]), med([r[1] for r in l])
            rows.append((size, "pandas+lifetimes", "load + summary + BG/NBD + Gamma-Gamma (whole process)", lw, lr,
                         fw / lw, fr / lr))
            for stage in l[0][2]:
                rows.append((size, "pandas+lifetimes", stage, med([r[2][stage] for r in l]), "", "", ""))
    print(f"{'size':5} {'tool':17} {'stage':62} {'seconds':>8} {'RSS MB':>8} {'time ratio':>10} {'RSS ratio':>9}"
          f" {'speed-up':>8}")
    for size, tool, stage, seconds, rss, ratio, rss_ratio in rows:
        rss_text = f"{rss:8.0f}" if rss != "" else " " * 8
        ratio_text = f"{ratio:10.3f}" if ratio != "" else " " * 10
        rss_ratio_text = f"{rss_ratio:9.2f}" if rss_ratio != "" else ""
        speedup_text = f" {1 / ratio:7.1f}x" if ratio != "" and ratio > 0 else ""
        print(f"{size:5} {tool:17} {stage:62} {seconds:8.3f} {rss_text} {ratio_text} {rss_ratio_text}{speedup_text}")
    with open(os.path.join(ROOT, "bench-results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["size", "tool", "stage", "seconds", "peak_rss_mb", "time_ratio_churnql_over_other",
                    "rss_ratio_churnql_over_other"])
        w.writerows(rows)
    if args.latency:
        latency(args.runs)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
