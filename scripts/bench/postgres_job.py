#!/usr/bin/env python3
"""Times the status job over an attached PostgreSQL orders table: churnql against hand-written SQL.

    python3 scripts/bench/postgres_job.py URI [--runs 3] [--churnql .build/release/churnql]

URI is a PostgreSQL server whose `orders` table has customer_id, order_date and amount (scripts/pg-server load,
see BENCHMARKS.md). Each run times, alternating: churnql attached (whole process wall time and its peak RSS, from
wait4) and every hand-written query (psql's `\\timing`: the query alone, no connection or process start). Prints
medians, the ratio churnql / best hand-written, and checks that all give the same status counts.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QUERY = "from customers | group status | agg n = count() | sort status"

# Status needs only each customer's last order and asof (the latest order date); 90/365-day windows.
STATUS = ("CASE WHEN a.m - c.last_order <= 90 THEN 'active' WHEN a.m - c.last_order <= 365 THEN 'lapsed' "
          "ELSE 'lost' END")
HAND = {
    "last order only": f"""
        WITH a AS (SELECT max(order_date) AS m FROM orders),
        c AS (SELECT customer_id, max(order_date) AS last_order FROM orders
              WHERE customer_id IS NOT NULL AND order_date IS NOT NULL GROUP BY customer_id)
        SELECT {STATUS} AS status, count(*) AS n FROM c, a GROUP BY 1 ORDER BY 1""",
    "last order only, serial": f"""
        SET max_parallel_workers_per_gather = 0;
        WITH a AS (SELECT max(order_date) AS m FROM orders),
        c AS (SELECT customer_id, max(order_date) AS last_order FROM orders
              WHERE customer_id IS NOT NULL AND order_date IS NOT NULL GROUP BY customer_id)
        SELECT {STATUS} AS status, count(*) AS n FROM c, a GROUP BY 1 ORDER BY 1""",
    "full summary (as DuckDB's job)": f"""
        WITH a AS (SELECT max(order_date) AS m FROM orders),
        c AS (SELECT customer_id, min(order_date) AS first_order, max(order_date) AS last_order,
                     count(*) AS orders, count(DISTINCT order_date) AS purchase_days, sum(amount) AS revenue
              FROM orders WHERE customer_id IS NOT NULL AND order_date IS NOT NULL GROUP BY customer_id)
        SELECT {STATUS} AS status, count(*) AS n FROM c, a GROUP BY 1 ORDER BY 1""",
}


def churnql(binary, uri):
    """Wall seconds, peak RSS in MB (this child's own, from wait4) and the status counts of one churnql run."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.monotonic()
        child = subprocess.Popen([binary, uri, "--format", "csv", "-c", QUERY], stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.monotonic() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            sys.exit(f"churnql failed ({child.returncode}): {err.read()}")
        rows = [line.split(",") for line in out.read().strip().splitlines()[1:]]
    return elapsed, usage.ru_maxrss / 1024, {s: int(n) for s, n in rows}


def psql(uri, sql):
    """Server time in seconds (psql \\timing of the last statement) and the status counts."""
    script = f"\\timing on\n{sql.strip()};\n"
    done = subprocess.run(["psql", "-X", "-q", "-A", "-F", ",", "-t", "-v", "ON_ERROR_STOP=1", uri],
                          input=script, capture_output=True, text=True, check=True)
    counts, times = {}, []
    for line in done.stdout.splitlines():
        timing = re.match(r"Time: ([0-9.]+) ms", line)
        if timing:
            times.append(float(timing.group(1)) / 1000)
        elif "," in line:
            status, n = line.split(",")
            counts[status] = int(n)
    return times[-1], counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("uri")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--churnql", default=os.path.join(ROOT, ".build", "release", "churnql"))
    args = parser.parse_args()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {os.cpu_count()} cores, {cpu}; load average before: {os.getloadavg()[0]:.2f}")
    times = {"churnql": [], **{name: [] for name in HAND}}
    rss = []
    answers = {}
    for _ in range(args.runs):
        elapsed, peak, counts = churnql(args.churnql, args.uri)
        times["churnql"].append(elapsed)
        rss.append(peak)
        answers["churnql"] = counts
        for name, sql in HAND.items():
            elapsed, counts = psql(args.uri, sql)
            times[name].append(elapsed)
            answers[name] = counts
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    medians = {name: statistics.median(t) for name, t in times.items()}
    best = min((medians[name], name) for name in HAND)
    for name, t in times.items():
        print(f"{medians[name]:8.3f} s  {name}  (runs: {', '.join(f'{x:.3f}' for x in t)})")
    print(f"churnql peak RSS: {max(rss):.1f} MB (largest of {len(rss)} runs)")
    print(f"ratio churnql / best hand-written ({best[1]}): {medians['churnql'] / best[0]:.2f}")
    print("counts: " + ";".join(f"{s}={n}" for s, n in sorted(answers["churnql"].items())))
    different = [name for name, counts in answers.items() if counts != answers["churnql"]]
    if different:
        sys.exit(f"status counts differ: {answers}")


if __name__ == "__main__":
    main()
