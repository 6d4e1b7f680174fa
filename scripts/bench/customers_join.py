"""Times loading a customers attributes file beside the orders with two churnql release binaries, alternately, on
the same machine: the import report and the profile's attribute match read both files' customer keys.

    python3 scripts/bench/customers_join.py BEFORE_BINARY AFTER_BINARY [--runs 3] [--orders bench-data/orders_10m.csv]

The customers file (every distinct customer_id of the orders, in order of first appearance, with a region) is
written once beside the orders as customers_for_<orders>.csv. Prints wall time and peak RSS (/usr/bin/time -v)
and the traced stage times (CHURNQL_TRACE=1) of each run.
"""
import argparse
import csv
import os
import re
import subprocess
import tempfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QUERY = "from customers | group region | agg n = count() | sort region"
STAGES = ("key match", "import report", "customer profile")


def customers_file(orders):
    path = os.path.join(os.path.dirname(orders), "customers_for_" + os.path.basename(orders))
    if os.path.exists(path):
        return path
    seen = set()
    regions = ["north", "south", "east", "west"]
    with open(orders, newline="") as src, tempfile.NamedTemporaryFile(
            "w", newline="", dir=os.path.dirname(path), delete=False) as out:
        reader = csv.reader(src)
        column = next(reader).index("customer_id")
        writer = csv.writer(out)
        writer.writerow(["customer_id", "region"])
        for row in reader:
            key = row[column]
            if key not in seen:
                seen.add(key)
                writer.writerow([key, regions[zlib.crc32(key.encode()) % 4]])
    os.replace(out.name, path)
    return path


def run(binary, orders, customers):
    # Copies named orders.csv and customers.csv would cost disk; symlinks give the tables those names.
    with tempfile.TemporaryDirectory() as folder:
        os.symlink(os.path.abspath(orders), os.path.join(folder, "orders.csv"))
        os.symlink(os.path.abspath(customers), os.path.join(folder, "customers.csv"))
        p = subprocess.run(
            ["/usr/bin/time", "-v", binary, "-c", 'load "orders.csv"', "-c", 'load "customers.csv"', "-c", QUERY],
            cwd=folder, capture_output=True, text=True, check=True, env={**os.environ, "CHURNQL_TRACE": "1"})
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\d+):([\d.]+)", p.stderr)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    stages = {s: float(m) for s, m in re.findall(r"trace: ([a-z ]+) ([\d.]+) s", p.stderr) if s in STAGES}
    return int(wall.group(1)) * 60 + float(wall.group(2)), int(peak.group(1)) // 1024, stages, p.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--orders", default=os.path.join(ROOT, "bench-data", "orders_10m.csv"))
    args = parser.parse_args()
    customers = customers_file(args.orders)
    outputs = {}
    for i in range(args.runs):
        for name, binary in (("before", args.before), ("after", args.after)):
            wall, peak, stages, stdout = run(binary, args.orders, customers)
            outputs[name] = stdout
            traced = ", ".join(f"{s} {t:.3f} s" for s, t in stages.items())
            print(f"run {i + 1} {name}: {wall:.2f} s, {peak} MB ({traced})", flush=True)
    print("same output:", outputs["before"] == outputs["after"])


if __name__ == "__main__":
    main()
