#!/usr/bin/env python3
"""Writes a benchmark orders file following a buy-till-you-die process (standard library only, seeded).

    python3 scripts/bench/generate_orders.py --orders 1000000 bench-data/orders_1m.csv

Each customer's first purchase falls in 2021-2023; while alive they buy at a gamma-distributed Poisson rate
and drop out after each purchase with a beta-distributed probability; amounts are gamma-distributed.
"""
import argparse
import datetime
import random


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("path")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    start = datetime.date(2021, 1, 1)
    horizon = 365 * 4
    dates = [(start + datetime.timedelta(days=d)).isoformat() for d in range(horizon + 1)]
    written = 0
    customer = 0
    order_id = 0
    with open(args.path, "w", buffering=1 << 22) as out:
        out.write("order_id,customer_id,order_date,amount\n")
        lines = []
        while written < args.orders:
            customer += 1
            cid = f"C{customer:08d}"
            rate = rng.gammavariate(0.8, 1 / 25)
            dropout = rng.betavariate(1.2, 4.0)
            spend = rng.gammavariate(3.0, 20.0)
            day = rng.randrange(0, 365 * 3)
            while day <= horizon and written < args.orders:
                order_id += 1
                written += 1
                lines.append(f"{order_id},{cid},{dates[day]},{rng.gammavariate(4.0, spend / 4.0):.2f}\n")
                if rng.random() < dropout:
                    break
                day += 1 + int(rng.expovariate(rate)) if rate > 0 else horizon
            if len(lines) >= 100_000:
                out.write("".join(lines))
                lines = []
        out.write("".join(lines))
    print(f"wrote {written} orders of {customer} customers to {args.path}")


if __name__ == "__main__":
    main()
