"""Reopen against load: the 10M-order status job from the CSV file, from a churnql snapshot of it (`save`), and
DuckDB opening its own database file of the same orders. Each job is one process, timed by /usr/bin/time (wall,
peak RSS), the jobs interleaved run by run. Needs `.venv-bench` (scripts/bench/run makes it) or --python.

    python3 scripts/bench/snapshot.py [--orders bench-data/orders_10m.csv] [--runs 5] [--binary B] [--python P]

In a git worktree without its own bench-data and .venv-bench, point --orders and --python at the main checkout's.
"""
import argparse
import os
import statistics
import subprocess
import tempfile

from run import PY, ROOT, timed

QUERY = "from customers | group status | agg n = count()"


def churnql(binary, path):
    wall, rss, out, _ = timed([binary, path, "--quiet", "--format", "csv", "-c", QUERY])
    counts = ";".join(sorted(f"{r.split(',')[0]}={r.split(',')[1]}" for r in out.strip().splitlines()[1:]))
    return wall, rss, counts


def duckdb(python, db, variant):
    wall, rss, out, _ = timed([python, os.path.join(ROOT, "scripts", "bench", "duckdb_open_job.py"), "open", db,
                               variant])
    inner = next(float(l.split(",")[2]) for l in out.splitlines() if l.startswith("stage,"))
    result = next(l.split(",", 1)[1] for l in out.splitlines() if l.startswith("result,"))
    return wall, rss, inner, ";".join(sorted(result.split(";")))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", default=os.path.join(ROOT, "bench-data", "orders_10m.csv"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "churnql"))
    parser.add_argument("--python", default=PY)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="churnql-snapshot-bench-")
    snapshot = os.path.join(work, "orders.cqs")
    db = os.path.join(work, "orders.duckdb")
    try:
        subprocess.run([args.binary, args.orders, "--quiet", "-c", f'save "{snapshot}"'], check=True)
        subprocess.run([args.python, os.path.join(ROOT, "scripts", "bench", "duckdb_open_job.py"), "create", db,
                        args.orders], check=True)
        print(f"snapshot {os.path.getsize(snapshot) / 1e6:.0f} MB, duckdb file {os.path.getsize(db) / 1e6:.0f} MB,"
              f" csv {os.path.getsize(args.orders) / 1e6:.0f} MB; load average {os.getloadavg()[0]:.2f}")
        jobs = {"csv": [], "cqs": [], "duckdb orders": [], "duckdb customers": []}
        answers = {}
        for _ in range(args.runs):
            wall, rss, answers["csv"] = churnql(args.binary, args.orders)
            jobs["csv"].append((wall, rss, None))
            wall, rss, answers["cqs"] = churnql(args.binary, snapshot)
            jobs["cqs"].append((wall, rss, None))
            for variant in ("orders", "customers"):
                wall, rss, inner, answers[f"duckdb {variant}"] = duckdb(args.python, db, variant)
                jobs[f"duckdb {variant}"].append((wall, rss, inner))
        print("answers equal:", len(set(answers.values())) == 1, answers["cqs"])
        median = {k: statistics.median(w for w, _, _ in v) for k, v in jobs.items()}
        for name, runs in jobs.items():
            walls = " ".join(f"{w:.2f}" for w, _, _ in runs)
            inner = [i for _, _, i in runs if i is not None]
            extra = f"; open+summary inside DuckDB {statistics.median(inner):.3f} s" if inner else ""
            print(f"{name:17} median {median[name]:.3f} s, peak RSS {max(r for _, r, _ in runs):.0f} MB"
                  f" (runs: {walls}){extra}")
        print(f"load average at the end {os.getloadavg()[0]:.2f}")
        print(f"reopen / csv load: {median['cqs'] / median['csv']:.3f}")
        for variant in ("orders", "customers"):
            print(f"reopen / duckdb ({variant}): {median['cqs'] / median['duckdb ' + variant]:.3f}")
    finally:
        for name in os.listdir(work):
            os.remove(os.path.join(work, name))
        os.rmdir(work)


if __name__ == "__main__":
    main()
