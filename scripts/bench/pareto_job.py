#!/usr/bin/env python3
"""Pareto/NBD: churnql's `fit paretonbd` against lifetimes' ParetoNBDFitter on the same customers, in one run.

    python3 scripts/bench/generate_orders.py --orders 600000 bench-data/orders_100k_customers.csv
    .venv-bench/bin/python scripts/bench/pareto_job.py .build/release/churnql bench-data/orders_100k_customers.csv

Both see the same calibration data: x the repeat purchase days, t_x and T in weeks (days / 7) from each customer's
first order to the last order of the file (churnql's default asof). lifetimes fits one row per customer (its usual
use); the script prints both fits' times (churnql's from CHURNQL_TRACE), estimates, standard errors, the largest
relative difference of the estimates and the ratio of the times. lifetimes' ParetoNBDFitter has no standard
errors (nan in the table).
"""
import re
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd
from lifetimes import ParetoNBDFitter
from lifetimes.utils import summary_data_from_transaction_data

NAMES = ["r", "alpha", "s", "beta"]


def churnql(binary, path):
    p = subprocess.run([binary, path, "--format", "csv", "-c", "fit paretonbd"], capture_output=True, text=True,
                       check=True, env={"CHURNQL_TRACE": "1", "PATH": "/usr/bin:/bin"})
    fit = None
    for line in p.stderr.splitlines():
        m = re.match(r"trace: fit paretonbd ([0-9.]+) s", line)
        if m:
            fit = float(m.group(1))
    rows = {}
    for line in p.stdout.splitlines():
        fields = line.split(",")
        if fields[0] in NAMES + ["loglik"]:
            rows[fields[0]] = [float(v) if v else None for v in fields[1:3]]
    return fit, rows


def main():
    warnings.filterwarnings("ignore")
    binary, path = sys.argv[1], sys.argv[2]
    orders = pd.read_csv(path, parse_dates=["order_date"])
    end = orders["order_date"].max()
    summary = summary_data_from_transaction_data(orders, "customer_id", "order_date", observation_period_end=end,
                                                 freq="D")
    summary["recency"] /= 7
    summary["T"] /= 7
    t0 = time.time()
    model = ParetoNBDFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    lifetimes_seconds = time.time() - t0
    churnql_seconds, rows = churnql(binary, path)
    print(f"{len(summary)} customers")
    print(f"{'':6} {'churnql':>12} {'se':>10} {'lifetimes':>12} {'se':>10} {'rel diff':>9}")
    worst = 0.0
    for name in NAMES:
        ours, se = rows[name]
        theirs = float(model.params_[name])
        # lifetimes' ParetoNBDFitter computes no standard errors (no Hessian): shown as nan.
        their_se = float(getattr(model, "standard_errors_", {}).get(name, np.nan)) if hasattr(
            model, "standard_errors_") else np.nan
        worst = max(worst, abs(ours - theirs) / abs(theirs))
        print(f"{name:6} {ours:12.6f} {se:10.6f} {theirs:12.6f} {their_se:10.6f} {abs(ours - theirs) / theirs:9.2e}")
    # Both estimates scored by lifetimes' own likelihood: the larger is the better maximum. (lifetimes starts
    # from random parameters and stops at its optimiser's tolerance, so its estimates vary from run to run.)
    def score(params):
        values = np.array([params[n] for n in NAMES])
        ll = ParetoNBDFitter._conditional_log_likelihood(
            values, summary["frequency"].values, summary["recency"].values, summary["T"].values)
        # lifetimes' ₂F₁ overflows for some heavy buyers (NaN): those are left out of both scores alike.
        return float(np.nansum(ll)), int(np.isnan(ll).sum())
    ours = score({n: rows[n][0] for n in NAMES})
    theirs = score({n: float(model.params_[n]) for n in NAMES})
    print(f"log-likelihood (lifetimes' formula, {ours[1]} customers NaN there left out) at churnql's estimates "
          f"{ours[0]:.6f}, at lifetimes' {theirs[0]:.6f}; churnql reports {rows['loglik'][0]:.6f}")
    print(f"largest relative difference of the estimates: {worst:.2e}")
    print(f"fit time: churnql {churnql_seconds:.3f} s, lifetimes {lifetimes_seconds:.3f} s, "
          f"ratio {lifetimes_seconds / churnql_seconds:.1f}x")


if __name__ == "__main__":
    main()
