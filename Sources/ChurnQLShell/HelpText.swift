/// Short help pages for `.help [topic]`.
enum HelpText {
    static let overview = """
        churnql — customer-retention analytics in a query shell

        A query is a pipeline:  from customers | where status == "lost" | group region | agg n = count()

        statements  from …, let NAME = from …, load "file.csv" [as NAME] [with (…)], set asof = 1998-06-30,
                    show settings, tables, describe TABLE, explain METRIC, export QUERY to "out.csv",
                    save "shop.cqs" (reopen: churnql shop.cqs, or load "shop.cqs"),
                    print "text", assert QUERY == VALUE, compile postgres|spark|duckdb|sqlite QUERY,
                    attach "postgresql://…" [as NAME], detach NAME, load "postgresql://…" table NAME
        steps       where, select, derive, group … | agg …, agg, sort, take, distinct, join, count, top N by, rfm
        analysis    churn monthly, cohort monthly, survival, histogram X, fit bgnbd, evaluate, compare models,
                    verify, workbench, team, handover "REP", profile by X, explain METRIC, drill churn_rate
        commands    .help [topic]  .tables  .schema [table]  .mode table|csv|json|markdown|line  .timer on|off
                    .output [FILE]  .read FILE  .settings  .history  .save FILE  .maxrows N  .maxwidth N
                    .error  .clear  .quit
        topics      .help language | functions | settings | metrics | where | group | sort | join | rfm | churn_rate | …

        """

    static let topics: [String: String] = [
        "language": """
        A statement ends at the end of a line, or at ';'. A line ending in '|' or starting with '|', or an
        open '(' continues it. Comments start with -- or #.
        Expressions: + - * / %, == = != < <= > >=, and or not, in (…), between … and …, is [not] null,
        "text", 1998-06-30 (date), 90d 12w 6mo 1y (durations), asof - 90d, last_order + 30d.
          from customers | where last_order < asof - 180d and revenue > 100 | count

        """,
        "metrics": """
        Derived customers columns: first_order, last_order, orders, purchase_days, frequency, revenue,
        avg_order_value, days_since_last, tenure_days, active_span_days, purchase_cycle_days, next_purchase,
        overdue_days, status (active/lapsed/lost), is_new.
        Retention aggregates such as churn_rate([period]) and repeat_rate(): .help functions lists them all.
        explain METRIC shows the definition and a worked example on your data.
          from customers | group status | agg n = count()

        """,
        "where":
            "where CONDITION keeps matching rows.\n  from customers | where status == \"lapsed\" and revenue > 500\n",
        "select":
            "select COL, NAME = EXPR … keeps or computes columns.\n  from customers | select customer_id, revenue, clv = revenue * 0.3\n",
        "derive": "derive NAME = EXPR adds columns.\n  from customers | derive weeks = tenure_days / 7\n",
        "group":
            "group KEYS | agg NAME = AGG … aggregates per key.\n  from customers | group y = year(first_order) | agg n = count(), revenue = sum(revenue)\n",
        "agg":
            "agg NAME = AGG … aggregates all rows (or per group).\n  from customers | agg customers = count(), churn = churn_rate()\n",
        "sort": "sort [-]EXPR … orders rows; '-' sorts descending.\n  from customers | sort -revenue | take 10\n",
        "take": "take N keeps the first N rows.\n  from orders | take 5\n",
        "top": "top N by EXPR: the N rows with the largest EXPR.\n  from customers | top 10 by revenue\n",
        "distinct": "distinct [COLS] keeps one row per distinct value.\n  from customers | distinct status\n",
        "join":
            "join [left] TABLE on COL matches rows on equal keys (inner by default).\n  from orders | join customers on customer_id\n",
        "count": "count gives the number of rows.\n  from orders | count\n",
        "rfm":
            "rfm adds r, f, m quintile scores (5 = best) and a segment.\n  from customers | rfm | group segment | agg n = count()\n",
        "attach":
            "attach \"postgresql://USER@HOST:PORT/DB\" [as NAME] [with (orders: \"schema.table\", customer: \"…\", date: \"…\", amount: \"…\")]\n  the database's tables join the session; queries over them run on the server (docs/scale.md)\n",
        "detach": "detach NAME   forget an attached database\n",
        "load":
            "load \"FILE\" [as NAME] [with (delimiter: \";\", header: true, date_format: \"%d/%m/%Y\", null: \"-\", skip_bad_rows: true, customer: \"Cust\", date: \"Day\", amount: \"Net\")]\n  load \"shop.cqs\" reopens a snapshot written by save (.help save)\n",
        "churn":
            "churn monthly|weekly|quarterly: base, churned, new, reactivated and churn rate per calendar period.\n  churn quarterly\n",
        "cohort":
            "cohort monthly|weekly [by revenue] [as counts|shares]: retention of customers grouped by first purchase.\n  cohort monthly as shares\n",
        "survival":
            "survival [by KEY]: Kaplan–Meier share of customers still active by days since their first purchase.\n  survival by region\n",
        "histogram":
            "histogram EXPR [bins N]: equal-width bins with counts and a bar.\n  histogram purchase_cycle_days bins 8\n",
        "fit":
            "fit bgnbd|mbgnbd|paretonbd|gammagamma [until DATE] [unit weeks|days]: maximum-likelihood model fits;\n  fit gammagamma takes the fitted purchase model's calibration period unless given its own until.\n  fit bgnbd until 1997-09-30, then p_alive, expected_purchases(90d), predicted_clv(12, 0.01)\n",
        "evaluate":
            "evaluate: after fit … until DATE, predictions against the holdout (DATE, asof].\n  fit bgnbd until 1997-09-30; evaluate\n",
        "verify":
            "verify: re-derives the published CDNOW figures (BG/NBD, Gamma-Gamma, Pareto/NBD, the brief's queries) from\n  the sample built into churnql; prints published beside computed and fails (exit 1) when one differs.\n",
        "workbench":
            "workbench [SECTION]: whom to contact today, who is overdue, recently lapsed, contracts ending…\n  workbench overdue_cycle\n",
        "team":
            "team: per sales rep, contacts, success rate and how their customers are doing. handover \"REP\" lists one rep's customers.\n",
        "profile":
            "profile by ATTRIBUTE: customers, revenue, churn, repeat rate and cycle per value.\n  profile by region\n",
        "explain":
            "explain METRIC: definition, formula, settings and a worked example; explain from … shows rows after each step;\n"
            + "explain plan from … shows the checked, rewritten plan without running it.\n  explain churn_rate\n",
        "drill": "drill churn_rate: the customers behind the base and churned counts.\n",
        "compile":
            "compile postgres|spark|duckdb|sqlite QUERY prints the query as SQL for that engine (not run): one CTE per step,\n"
            + "  the customers table over the orders table, literals inline. What runs only in memory is a not-in-sql error.\n"
            + "  compile spark from customers | group status | agg n = count()\n",
        "export":
            "export QUERY to \"file.csv\" (.json, .md): a regular file is replaced atomically (a symlink's target, the link kept);\n  /dev/null, /dev/stdout and pipes are written through; never over a loaded input, a running script or the history.\n",
        ".output":
            ".output FILE sends results to FILE until .output alone: written like export (atomically, or through a device or\n  pipe; a pipe needs its reader first). .output alone returns to the screen.\n",
        "assert":
            "assert QUERY == VALUE [within TOL], assert EXPR between LOW and HIGH: a failed check is an error with both values.\n  == and != are exact; within TOL allows |actual − expected| ≤ TOL.\n  assert from customers | count > 0\n  assert from customers | agg c = churn_rate() == 0.56 within 0.005\n",
        "save":
            "save \"file.cqs\": the session's tables, views, settings, parameters and load options (and the order history)\n"
            + "  as one versioned, checksummed columnar file, written atomically, never over a loaded input. churnql file.cqs or\n"
            + "  load \"file.cqs\" reopens it without parsing. Not saved: attached databases, fitted models. .save FILE is\n"
            + "  different: it writes the session's statements as a script.\n",
        ".save":
            ".save FILE writes the session as a script (the files loaded, --asof, the statements that succeeded);\n"
            + "  save \"file.cqs\" (no dot) writes the data itself as a snapshot.\n",
        "param": "param NAME = DEFAULT: a script parameter, read as $NAME; --set NAME=VALUE overrides it.\n",
    ]

    static func topic(_ name: String?) -> String {
        guard let name = name?.lowercased() else { return overview }
        if name == "functions" { return CatalogueHelp.functions }
        if name == "settings" || name == "set" { return CatalogueHelp.settings }
        if let text = topics[name] { return text }
        if let metric = ChurnQLMetricsBridge.definition(name) { return metric }
        let all = Array(topics.keys) + ChurnQLMetricsBridge.names + ["functions", "settings", "set"]
        if let suggestion = all.sorted().first(where: { $0.hasPrefix(name) }) { return topic(suggestion) }
        return "no help on '\(name)'. Topics: \(all.sorted().joined(separator: ", "))\n"
    }
}
