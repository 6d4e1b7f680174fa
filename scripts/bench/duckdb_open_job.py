"""DuckDB on the reopen job: `create DB CSV` makes DuckDB's own database file from the orders once (the orders
table, and the per-customer table as a second variant); `open DB [orders|customers]` opens it and runs the status
summary of duckdb_job.py: from the orders (GROUP BY customer, then status counts) or from the stored customers."""
import sys
import time

import duckdb

CUSTOMERS = """SELECT customer_id, min(order_date) AS first_order, max(order_date) AS last_order, count(*) AS orders,
    count(DISTINCT order_date) AS purchase_days, sum(amount) AS revenue FROM orders GROUP BY customer_id"""
STATUS = """SELECT CASE WHEN m - last_order <= 90 THEN 'active' WHEN m - last_order <= 365 THEN 'lapsed' ELSE 'lost'
    END AS status, count(*) FROM {customers}, (SELECT max(order_date) AS m FROM orders) GROUP BY 1 ORDER BY 1"""

if sys.argv[1] == "create":
    con = duckdb.connect(sys.argv[2])
    con.execute("SET threads = 2")
    con.execute(f"CREATE TABLE orders AS SELECT * FROM read_csv_auto('{sys.argv[3]}')")
    con.execute(f"CREATE TABLE customers AS {CUSTOMERS}")
    con.close()
else:
    t0 = time.time()
    con = duckdb.connect(sys.argv[2], read_only=True)
    con.execute("SET threads = 2")
    source = "customers" if sys.argv[3] == "customers" else f"({CUSTOMERS})"
    rows = con.execute(STATUS.format(customers=source)).fetchall()
    t1 = time.time()
    print("stage,open+summary,%.3f" % (t1 - t0))
    print("result," + ";".join(f"{s}={n}" for s, n in rows))
