#!/usr/bin/env python3
"""Generates the example shop (examples/shop/customers.csv and orders.csv), reproducibly.

Customers sign up through 2023-2024 and buy following a buy-till-you-die process: each has a Poisson
purchase rate drawn from a gamma distribution, becomes inactive after any purchase with a probability drawn
from a beta distribution, and spends gamma-distributed amounts around a personal mean. A few refunds
(negative amounts) and several orders on one day are included on purpose. Standard library only.

    python3 scripts/generate_shop.py [--customers 2000] [--seed 42] [--out examples/shop]
"""
import argparse
import datetime
import os
import random

START = datetime.date(2023, 1, 1)
END = datetime.date(2024, 12, 30)
REGIONS = ["North", "South", "East", "West"]
REPS = ["Ana", "Ben", "Chloe", "Dev", "Emil"]
CHANNELS = ["phone", "email", "visit"]
OUTCOMES = ["reached", "no answer", "won", "lost", "complaint"]
SOURCES = ["web", "store", "referral", "ads"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default="examples/shop")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    span = (END - START).days
    customers = []
    orders = []
    order_id = 100000
    for n in range(1, args.customers + 1):
        cid = f"C{n:05d}"
        signup = START + datetime.timedelta(days=rng.randrange(span - 20))
        region = rng.choices(REGIONS, weights=[3, 2, 2, 3])[0]
        source = rng.choices(SOURCES, weights=[5, 3, 1, 2])[0]
        customers.append((cid, region, source, signup))
        rate = rng.gammavariate(0.9, 1 / 30)  # purchases per day
        dropout = rng.betavariate(1.0, 3.0)
        mean_spend = rng.gammavariate(4.0, 15.0) * (1.3 if source == "referral" else 1.0)
        day = signup + datetime.timedelta(days=rng.randrange(0, 10))
        while day <= END:
            amount = round(rng.gammavariate(6.0, mean_spend / 6.0), 2)
            order_id += 1
            orders.append((order_id, cid, day, amount))
            if rng.random() < 0.04:  # a second order the same day
                order_id += 1
                orders.append((order_id, cid, day, round(rng.uniform(5, 40), 2)))
            if rng.random() < 0.01:  # a refund a few days later
                refund_day = day + datetime.timedelta(days=rng.randrange(1, 15))
                if refund_day <= END:
                    order_id += 1
                    orders.append((order_id, cid, refund_day, -round(amount * rng.uniform(0.2, 1.0), 2)))
            if rng.random() < dropout:
                break
            gap = rng.expovariate(rate) if rate > 0 else span
            day += datetime.timedelta(days=max(1, int(gap)))
    orders.sort(key=lambda o: (o[2], o[0]))
    # Contacts and contracts use their own random stream, so orders stay as they were.
    crm = random.Random(args.seed + 1)
    contacts = []
    contracts = []
    for cid, region, source, signup in customers:
        rep = REPS[(int(cid[1:]) * 7 + len(region)) % len(REPS)]
        day = signup + datetime.timedelta(days=crm.randrange(0, 30))
        while day <= END and crm.random() < 0.85:
            outcome = crm.choices(OUTCOMES, weights=[5, 4, 2, 1, 1])[0]
            follow_up = ""
            if outcome in ("reached", "no answer", "complaint") and crm.random() < 0.7:
                follow_up = (day + datetime.timedelta(days=crm.choice([1, 2, 7, 14, 30, 60]))).isoformat()
            contacts.append((cid, day.isoformat(), rep, crm.choice(CHANNELS), outcome, follow_up))
            day += datetime.timedelta(days=crm.randrange(20, 120))
        if source in ("store", "referral") and crm.random() < 0.25:
            start = signup + datetime.timedelta(days=crm.randrange(0, 200))
            end = start + datetime.timedelta(days=crm.choice([365, 730]))
            contracts.append((cid, start.isoformat(), end.isoformat(), round(crm.uniform(500, 5000), 2)))
    contacts.sort(key=lambda c: (c[1], c[0]))
    with open(os.path.join(args.out, "customers.csv"), "w", newline="") as f:
        f.write("customer_id,region,source,signup_date\n")
        for cid, region, source, signup in customers:
            f.write(f"{cid},{region},{source},{signup.isoformat()}\n")
    with open(os.path.join(args.out, "orders.csv"), "w", newline="") as f:
        f.write("order_id,customer_id,order_date,amount\n")
        for oid, cid, day, amount in orders:
            f.write(f"{oid},{cid},{day.isoformat()},{amount:.2f}\n")
    with open(os.path.join(args.out, "contacts.csv"), "w", newline="") as f:
        f.write("customer_id,contact_date,rep,channel,outcome,next_contact\n")
        for row in contacts:
            f.write(",".join(row) + "\n")
    with open(os.path.join(args.out, "contracts.csv"), "w", newline="") as f:
        f.write("customer_id,start_date,end_date,value\n")
        for cid, start, end, value in contracts:
            f.write(f"{cid},{start},{end},{value:.2f}\n")
    print(f"wrote {len(customers)} customers, {len(orders)} orders, {len(contacts)} contacts and {len(contracts)} contracts to {args.out}")


if __name__ == "__main__":
    main()
