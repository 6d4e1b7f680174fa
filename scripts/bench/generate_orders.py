#!/usr/bin/env python3
"""Writes a benchmark orders file following a buy-till-you-die process (standard library only, seeded).

    python3 scripts/bench/generate_orders.py --orders 1000000 bench-data/orders_1m.csv
    python3 scripts/bench/generate_orders.py --orders 30000000 --orders-per-customer 3.3 bench-data/orders_30m_9m.csv

Each customer's first purchase falls in 2021-2023; while alive they buy at a gamma-distributed Poisson rate
and drop out after each purchase with a beta-distributed probability; amounts are gamma-distributed.
By default the dropout is Beta(1.2, 4.0) (about 6 orders per customer); --orders-per-customer moves the
Beta's first shape until a side simulation gives that mean, so the same number of orders spreads over more
(or fewer) customers. Without it the output is byte-identical to earlier versions.
"""
import argparse
import datetime
import random

DROPOUT_A = 1.2
DROPOUT_B = 4.0
HORIZON = 365 * 4


def mean_orders(dropout_a, seed, customers=40_000):
    """Mean orders per customer of the process with dropout Beta(dropout_a, DROPOUT_B), simulated."""
    rng = random.Random(seed)
    total = 0
    for _ in range(customers):
        rate = rng.gammavariate(0.8, 1 / 25)
        dropout = rng.betavariate(dropout_a, DROPOUT_B)
        day = rng.randrange(0, 365 * 3)
        while day <= HORIZON:
            total += 1
            if rng.random() < dropout:
                break
            day += 1 + int(rng.expovariate(rate)) if rate > 0 else HORIZON
    return total / customers


def dropout_shape(target, seed):
    """The Beta's first shape giving `target` orders per customer (bisection; the mean falls as it grows)."""
    low, high = 0.05, 200.0
    for _ in range(30):
        mid = (low * high) ** 0.5
        if mean_orders(mid, seed) > target:
            low = mid
        else:
            high = mid
    return (low * high) ** 0.5


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--orders-per-customer", type=float, default=None,
                        help="mean orders per customer (default: about 6, the Beta(1.2, 4.0) dropout)")
    parser.add_argument("path")
    args = parser.parse_args()
    dropout_a = DROPOUT_A
    if args.orders_per_customer is not None:
        if args.orders_per_customer < 1:
            parser.error("--orders-per-customer must be at least 1")
        dropout_a = dropout_shape(args.orders_per_customer, args.seed + 1)
        print(f"dropout Beta({dropout_a:.4f}, {DROPOUT_B}) for {args.orders_per_customer} orders per customer")
    rng = random.Random(args.seed)
    start = datetime.date(2021, 1, 1)
    horizon = HORIZON
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
            dropout = rng.betavariate(dropout_a, DROPOUT_B)
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
