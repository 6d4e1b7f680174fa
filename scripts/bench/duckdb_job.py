"""DuckDB on the benchmark job: load the CSV, per-customer GROUP BY, status counts (90/365-day windows)."""
import sys
import time

import duckdb

t0 = time.time()
con = duckdb.connect()
con.execute("SET threads = 2")
con.execute(f"CREATE TABLE orders AS SELECT * FROM read_csv_auto('{sys.argv[1]}')")
t1 = time.time()
con.execute(
    """CREATE TABLE customers AS SELECT customer_id, min(order_date) AS first_order, max(order_date) AS last_order,
       count(*) AS orders, count(DISTINCT order_date) AS purchase_days, sum(amount) AS revenue
       FROM orders GROUP BY customer_id""")
rows = con.execute(
    """SELECT CASE WHEN m - last_order <= 90 THEN 'active' WHEN m - last_order <= 365 THEN 'lapsed' ELSE 'lost' END
       AS status, count(*) FROM customers, (SELECT max(order_date) AS m FROM orders) GROUP BY 1 ORDER BY 1""").fetchall()
t2 = time.time()
print("stage,load,%.3f" % (t1 - t0))
print("stage,customers+status,%.3f" % (t2 - t1))
print("result," + ";".join(f"{s}={n}" for s, n in rows))
