"""pandas + lifetimes on the benchmark job: read, summarise per customer, fit BG/NBD and Gamma-Gamma."""
import sys
import time
import warnings

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data

warnings.filterwarnings("ignore")
t0 = time.time()
orders = pd.read_csv(sys.argv[1], parse_dates=["order_date"])
t1 = time.time()
summary = summary_data_from_transaction_data(orders, "customer_id", "order_date", "amount", freq="W")
t2 = time.time()
BetaGeoFitter(penalizer_coef=0.0).fit(summary["frequency"], summary["recency"], summary["T"])
t3 = time.time()
repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
GammaGammaFitter(penalizer_coef=0.0).fit(repeat["frequency"], repeat["monetary_value"])
t4 = time.time()
print("stage,load,%.3f" % (t1 - t0))
print("stage,customers,%.3f" % (t2 - t1))
print("stage,fit bgnbd,%.3f" % (t3 - t2))
print("stage,fit gammagamma,%.3f" % (t4 - t3))
