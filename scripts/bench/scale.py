#!/usr/bin/env python3
"""30 million orders over 5 and 9 million customers: churnql against DuckDB, memory per order and per customer,
the largest file that fits in 24 GiB, and the interactive latency table on 9 million customers.

    scripts/bench/run --scale --runs 3 [--larger 3]     (or python3 scripts/bench/scale.py … after a release build)

Generates bench-data/orders_30m.csv (default generator, ≈5M customers) and bench-data/orders_30m_9m.csv
(--orders-per-customer 3.35, ≈9M customers) once. Each run times churnql's status job and DuckDB's job on both
files, interleaved, and notes the load average before each process. Peak RSS is modelled as
base + a · orders + b · customers: the two files have the same orders, so their difference gives b, and a
process on a tiny file gives base. --larger K also measures churnql on K copies of the 9M-customer file (customer
keys renamed per copy) to check the model. Writes bench-scale.csv and bench-latency-9m.csv.
"""
import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (timed, the status query, the latency queries)

ROOT = run.ROOT
GIB = 1 << 30
FILES = [("30m", "orders_30m.csv", []), ("30m_9m", "orders_30m_9m.csv", ["--orders-per-customer", "3.35"])]
ORDERS = 30_000_000


BINARY = os.path.join(ROOT, ".build", "release", "churnql")


def churnql(path):
    """Status job: (wall s, peak RSS MB, {stage: (seconds, rss MB after it)}, {status: customers})."""
    binary = BINARY
    wall, rss, out, err = run.timed([binary, path, "--quiet", "--format", "csv", "-c", run.STATUS_QUERY],
                                    {"CHURNQL_TRACE": "1"})
    stages = {}
    for line in err.splitlines():
        m = re.match(r"trace: (.+?) ([0-9.]+) s \(rss (\d+) MB", line)
        if m and "chunks" not in line:
            stages[m.group(1)] = (float(m.group(2)), int(m.group(3)))
    counts = {r.split(",")[0]: int(r.split(",")[1]) for r in out.strip().splitlines()[1:]}
    return wall, rss, stages, counts


def duckdb(python, path):
    wall, rss, out, _ = run.timed([python, os.path.join(ROOT, "scripts", "bench", "duckdb_job.py"), path])
    result = next((l.split(",", 1)[1] for l in out.splitlines() if l.startswith("result,")), "")
    return wall, rss, result


def ensure(data, name, extra):
    path = os.path.join(data, name)
    if not os.path.exists(path):
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "bench", "generate_orders.py"),
                        "--orders", str(ORDERS)] + extra + [path], check=True)
    return path


def copies(source, k, target):
    """K copies of an orders file in one, the customer keys of copy i prefixed by another letter."""
    with open(target, "wb") as out:
        with open(source, "rb") as f:
            out.write(f.readline())
        out.flush()
        for i in range(k):
            letter = "CDEFGHIJ"[i]
            tail = subprocess.Popen(["tail", "-n", "+2", source], stdout=subprocess.PIPE)
            sed = subprocess.Popen(["sed", f"s/,C/,{letter}/"], stdin=tail.stdout, stdout=out)
            tail.stdout.close()
            if sed.wait() != 0 or tail.wait() != 0:
                raise RuntimeError("copying the orders failed")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    parser.add_argument("--python", default=run.PY, help="a Python with duckdb installed")
    parser.add_argument("--larger", type=int, default=0, help="also churnql on K copies of the 9M-customer file")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--binary", default=BINARY, help="the churnql to time (default: the release build)")
    args = parser.parse_args()
    globals()["BINARY"] = args.binary
    args.data = os.path.abspath(args.data)
    os.makedirs(args.data, exist_ok=True)
    paths = {size: ensure(args.data, name, extra) for size, name, extra in FILES}
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        tiny = os.path.join(tmp, "tiny.csv")
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "bench", "generate_orders.py"), "--orders",
                        "1000", tiny], check=True, capture_output=True)
        base = statistics.median(churnql(tiny)[1] for _ in range(3))
    results = {size: {"churnql": [], "duckdb": [], "load": []} for size in paths}
    for _ in range(args.runs):
        for size, path in paths.items():
            results[size]["load"].append(os.getloadavg()[0])
            results[size]["churnql"].append(churnql(path))
            results[size]["load"].append(os.getloadavg()[0])
            results[size]["duckdb"].append(duckdb(args.python, path))
    med = statistics.median
    rows = []
    peaks, customers = {}, {}
    print(f"\n{'file':7} {'customers':>10} {'tool':8} {'wall s':>7} {'peak MB':>8} {'time ratio':>10}"
          f" {'RSS ratio':>9}  load averages")
    for size, path in paths.items():
        c, d = results[size]["churnql"], results[size]["duckdb"]
        counts = c[0][3]
        customers[size] = sum(counts.values())
        duck_counts = dict(p.split("=") for p in d[0][2].split(";"))
        if any(int(duck_counts.get(k, -1)) != v for k, v in counts.items()):
            print(f"WARNING: status counts differ: churnql {counts} duckdb {duck_counts}")
        cw, cr = med(r[0] for r in c), med(r[1] for r in c)
        dw, dr = med(r[0] for r in d), med(r[1] for r in d)
        peaks[size] = cr
        loads = " ".join(f"{x:.1f}" for x in results[size]["load"])
        print(f"{size:7} {customers[size]:10d} {'churnql':8} {cw:7.2f} {cr:8.0f} {cw / dw:10.3f} {cr / dr:9.3f}"
              f"  {loads}")
        print(f"{size:7} {customers[size]:10d} {'duckdb':8} {dw:7.2f} {dr:8.0f}")
        rows.append((size, customers[size], "churnql", "whole process", cw, cr, cw / dw, cr / dr, loads))
        rows.append((size, customers[size], "duckdb", "whole process", dw, dr, "", "", loads))
        for stage in c[0][2]:
            seconds = med(r[2][stage][0] for r in c)
            rss = med(r[2][stage][1] for r in c)
            print(f"{'':7} {'':10} {'':8} {seconds:7.3f} {rss:8.0f}  churnql {stage} (rss after it)")
            rows.append((size, customers[size], "churnql", stage, seconds, rss, "", "", ""))
    # peak = base + a·orders + b·customers; both files hold ORDERS orders.
    (s5, s9) = list(paths)
    b = (peaks[s9] - peaks[s5]) * 2**20 / (customers[s9] - customers[s5])
    a = ((peaks[s5] - base) * 2**20 - b * customers[s5]) / ORDERS
    print(f"\nbase (1,000 orders) {base:.0f} MB; at the peak {a:.1f} bytes per order + {b:.1f} bytes per customer"
          f" (derived from the two files)")
    rows.append(("model", "", "churnql", "base MB", base, "", "", "", ""))
    rows.append(("model", "", "churnql", "bytes per order", a, "", "", "", ""))
    rows.append(("model", "", "churnql", "bytes per customer", b, "", "", "", ""))
    for size, path in paths.items():
        per_order_file = os.path.getsize(path) / ORDERS
        opc = ORDERS / customers[size]
        largest = (24 * GIB - base * 2**20) / (a + b / opc)
        print(f"largest file in 24 GiB at {opc:.2f} orders per customer: {largest / 1e6:.0f}M orders,"
              f" {largest / opc / 1e6:.0f}M customers, {largest * per_order_file / 1e9:.0f} GB (derived)")
        rows.append((size, customers[size], "churnql", "largest orders in 24 GiB (derived)", largest, "", "", "",
                     ""))
    if args.larger:
        with tempfile.TemporaryDirectory(dir=args.data) as tmp:
            big = os.path.join(tmp, f"orders_{args.larger}x30m_9m.csv")
            copies(paths[s9], args.larger, big)
            load = os.getloadavg()[0]
            wall, rss, stages, counts = churnql(big)
            n = sum(counts.values())
            predicted = base + (a * ORDERS * args.larger + b * n) / 2**20
            print(f"{args.larger} copies ({ORDERS * args.larger / 1e6:.0f}M orders, {n} customers,"
                  f" {os.path.getsize(big) / 1e9:.1f} GB): churnql {wall:.1f} s, peak {rss:.0f} MB,"
                  f" model {predicted:.0f} MB (load average {load:.1f})")
            rows.append((f"{args.larger}x30m_9m", n, "churnql", "whole process", wall, rss, "", "", f"{load:.1f}"))
    with open(os.path.join(ROOT, "bench-scale.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "customers", "tool", "stage", "seconds_or_value", "peak_rss_mb",
                    "time_ratio_churnql_over_duckdb", "rss_ratio_churnql_over_duckdb", "load_averages"])
        w.writerows(rows)
    if not args.skip_latency:
        run.latency(args.runs, paths[s9], f"{customers[s9]:,} customers ({ORDERS:,} orders)", "bench-latency-9m.csv",
                    BINARY)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
