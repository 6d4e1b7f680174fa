#!/usr/bin/env python3
"""Writes steady heavy buyers: every customer buys about `--purchases` times over `--days` days, evenly spaced
with jitter, first orders spread over the first month. Columns customer_id, order_date, amount. Used to check
that `fit paretonbd` finishes in seconds on them (issue 17 item 7). Standard library only.

    python3 scripts/bench/heavy_buyers.py --customers 100000 --out heavy_100k.csv
    python3 scripts/bench/heavy_buyers.py --customers 5000 --out heavy_5k.csv --lifetimes
    python3 scripts/bench/heavy_buyers.py --customers 100000 --days 1095 --spread 0.8 --out heavy_mixed.csv

With --lifetimes (pandas + lifetimes needed) it also prints lifetimes' ParetoNBDFitter estimates on the
compressed (x, t_x, T) triples, in days, as of the last order (churnql's default asof).
"""
import argparse
import datetime
import random

START = datetime.date(2024, 1, 1)


def orders(customers, purchases, days, seed, spread=0.0):
    rng = random.Random(seed)
    for c in range(customers):
        count = max(2, round(purchases * (1 + rng.uniform(-spread, spread))))
        gap = days / count
        first = rng.uniform(0, 30)
        for k in range(count):
            t = first + k * gap + rng.uniform(-0.4, 0.4) * gap
            if t < first:
                t = first
            yield c, START + datetime.timedelta(days=int(t)), round(rng.uniform(5, 50), 2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100000)
    parser.add_argument("--purchases", type=int, default=1000)
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--spread", type=float, default=0.0, help="purchase counts vary by up to this share")
    parser.add_argument("--out", required=True)
    parser.add_argument("--lifetimes", action="store_true")
    parser.add_argument("--triples", help="with --lifetimes: also write the distinct triples with counts here")
    args = parser.parse_args()
    last = START
    with open(args.out, "w") as f:
        f.write("customer_id,order_date,amount\n")
        rows = []
        for c, day, amount in orders(args.customers, args.purchases, args.days, args.seed, args.spread):
            last = max(last, day)
            rows.append(f"c{c:06d},{day.isoformat()},{amount}\n")
            if len(rows) >= 100000:
                f.writelines(rows)
                rows = []
        f.writelines(rows)
    print(f"wrote {args.out}; last order {last}")
    if args.lifetimes:
        fit_lifetimes(args.out, last, args.triples)


def fit_lifetimes(path, last, args_triples=None):
    import pandas as pd
    from lifetimes import ParetoNBDFitter
    from lifetimes.utils import summary_data_from_transaction_data

    frame = pd.read_csv(path, parse_dates=["order_date"])
    summary = summary_data_from_transaction_data(
        frame, "customer_id", "order_date", observation_period_end=last, freq="D")
    triples = summary.groupby(["frequency", "recency", "T"]).size().reset_index(name="count")
    print(f"{len(summary)} customers, {len(triples)} distinct triples")
    if args_triples:
        triples.astype(int).to_csv(args_triples, index=False)
    model = ParetoNBDFitter()
    model.fit(triples["frequency"], triples["recency"], triples["T"], weights=triples["count"])
    params = model.params_
    print("lifetimes ParetoNBDFitter (days):", {k: repr(float(v)) for k, v in params.items()})


if __name__ == "__main__":
    main()
