"""Ctrl-C latency of the interactive shell: how long after SIGINT a running query gives its prompt back.

Starts the release binary on a terminal (a pseudo-terminal, so it runs as the interactive shell) over a large
orders file, sends each slow query, sends SIGINT about 0.5 s later, and measures the time until the next prompt
appears (the shell says "interrupted" first). Each query runs --repeats times; setup statements run before it
uninterrupted. A query that ends before the SIGINT is reported as such (its latency would mean nothing).

    python3 scripts/bench/generate_orders.py --orders 10000000 bench-data/orders_10m.csv
    swift build -c release
    python3 scripts/bench/interrupt.py [--binary .build/release/churnql] [--data bench-data/orders_10m.csv]
                                       [--repeats 5] [--sweep]
"""
import argparse
import os
import pty
import select
import signal
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROMPT = b"churnql> "

# (name, setup statements, the slow statement[, seconds before SIGINT when the statement is shorter than --delay])
QUERIES = [
    ("self-join on customer_id", ["let o = from orders | select customer_id, amount"],
     "from orders | select customer_id, order_id | join o on customer_id | count"),
    ("sort of all orders", [], "from orders | sort amount, order_id | take 9000000 | count"),
    ("group by order_id", [], "from orders | group order_id | agg m = max(amount) | count"),
    ("derive over orders", [], "from orders | derive x = amount * 1.1 + order_id / 7 | agg s = sum(x)"),
    ("customers derivation (new asof)", [], "set asof = 2024-06-30; from customers | group status | agg n = count()",
     0.15),
    ("fit paretonbd", [], "fit paretonbd"),
    ("evaluate", ["fit bgnbd until 2023-12-31"], "evaluate"),
    ("churn monthly", [], "churn monthly"),
    ("median per customer", [], "from orders | group customer_id | agg m = median(amount) | count"),
    ("median of all orders (one group)", [], "from orders | agg m = median(amount)"),
    ("customers by year(first_order)", [], "from customers | group year(first_order) | agg n = count()", 0.02),
    ("top 10 of all orders", [], "from orders | sort amount | take 10", 0.01),
    ("top 10 of a selection", [], "from orders | where amount > 1 | sort amount | take 10", 0.03),
]


class Shell:
    def __init__(self, binary, data):
        self.master, slave = pty.openpty()
        env = dict(os.environ, CHURNQL_HISTORY=os.devnull, TERM="dumb")
        self.process = subprocess.Popen([binary, "--no-rc", data], stdin=slave, stdout=slave, stderr=slave,
                                        env=env, close_fds=True, start_new_session=True)
        os.close(slave)
        self.buffer = b""

    def read_until(self, marker, timeout):
        """Reads until `marker` appears after the current end of the buffer; returns the time it appeared."""
        start = len(self.buffer)
        deadline = time.monotonic() + timeout
        while marker not in self.buffer[start:]:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {marker!r} within {timeout} s; last output: {self.buffer[-400:]!r}")
            ready, _, _ = select.select([self.master], [], [], min(left, 0.01))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise EOFError(f"churnql ended; last output: {self.buffer[-400:]!r}")
                start_scan = max(start, len(self.buffer) - len(marker))
                self.buffer += chunk
                start = min(start, start_scan)
        return time.monotonic()

    def send(self, line):
        os.write(self.master, line.encode() + b"\n")

    def run(self, line, timeout=900):
        self.send(line)
        self.read_until(PROMPT, timeout)

    def interrupt_after(self, line, delay):
        """Sends `line`, SIGINT after `delay` s; returns the seconds from SIGINT to the prompt, or None when the
        statement ended first."""
        mark = len(self.buffer)
        self.send(line)
        time.sleep(delay)
        # Anything the shell wrote meanwhile: a prompt means the statement already ended.
        while select.select([self.master], [], [], 0)[0]:
            self.buffer += os.read(self.master, 65536)
        if PROMPT in self.buffer[mark + 1:]:
            return None
        sent = time.monotonic()
        os.kill(self.process.pid, signal.SIGINT)
        seen = self.read_until(PROMPT, 120)
        if b"interrupted" not in self.buffer[mark:]:
            raise RuntimeError(f"no 'interrupted' after SIGINT: {self.buffer[mark:][-400:]!r}")
        return seen - sent

    def close(self):
        try:
            self.send(".quit")
            self.process.wait(timeout=30)
        except Exception:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "churnql"))
    parser.add_argument("--data", default=os.path.join(ROOT, "bench-data", "orders_10m.csv"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--sweep", action="store_true",
                        help="run k of n waits delay × 2k/n (k = 1…n) instead of delay, so that the SIGINTs land in "
                             "different phases of each statement")
    args = parser.parse_args()
    shell = Shell(args.binary, args.data)
    try:
        shell.read_until(PROMPT, 900)
        print(f"{'query':36} {'worst s':>8} {'median s':>9}  runs")
        for name, setup, statement, *delay in QUERIES:
            for line in setup:
                shell.run(line)
            latencies = []
            ended_first = 0
            for k in range(args.repeats):
                wait = delay[0] if delay else args.delay
                if args.sweep:
                    wait *= 2 * (k + 1) / args.repeats
                latency = shell.interrupt_after(statement, wait)
                if latency is None:
                    ended_first += 1
                    continue
                latencies.append(latency)
                # The statement changes nothing when stopped: set asof again for the next run to derive anew.
                if statement.startswith("set asof"):
                    shell.run("set asof = latest")
            if latencies:
                latencies.sort()
                median = latencies[len(latencies) // 2]
                note = f"  ({ended_first} ended before the SIGINT)" if ended_first else ""
                print(f"{name:36} {latencies[-1]:8.3f} {median:9.3f}  {len(latencies)}{note}", flush=True)
            else:
                print(f"{name:36} {'-':>8} {'-':>9}  every run ended before the SIGINT", flush=True)
    finally:
        shell.close()


if __name__ == "__main__":
    main()
