#!/usr/bin/env python3
"""Figures of one `plutio-backup import` run for scripts/bench import.

Usage: import_figures.py DIR RATE CLIENT
DIR holds plan.json (`import --plan --json`), import.json (`import --json`), import.time
(`/usr/bin/time -f "%M %e"`) and log.json (the fake's /_fake/log after the plan). RATE is the
budget as N/DURATION; CLIENT the target's API client id.
"""
import json
import sys
from datetime import datetime


def last_event(path, name):
    event = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                value = json.loads(line)
                if value.get("event") == name:
                    event = value
    return event


def seconds(text):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    for suffix in ("ms", "s", "m", "h", "d"):
        if text.endswith(suffix) and not (suffix == "s" and text.endswith("ms")):
            return float(text[: -len(suffix)]) * units[suffix]
    return float(text)


directory, rate, client = sys.argv[1], sys.argv[2], sys.argv[3]
limit, window = rate.split("/")
limit, window = int(limit), seconds(window)
plan = last_event(f"{directory}/plan.json", "plan")
summary = last_event(f"{directory}/import.json", "summary")
rss_kb, elapsed = open(f"{directory}/import.time").read().split()
log = [e for e in json.load(open(f"{directory}/log.json")) if e.get("clientId") == client]

kinds = plan["plan"]["kinds"]
creates = sum(k["create"] for k in kinds)
follow_ups = sum(k["followUps"] for k in kinds)
archive_calls = sum(k["archiveCalls"] for k in kinds)
reads = plan["plan"]["targetReads"]
minimum = 1 + reads + creates + follow_ups + archive_calls
used = summary["calls"]
records = sum(k["records"] for k in summary["kinds"])
created = sum(k["created"] for k in summary["kinds"])
failed = sum(k["failed"] for k in summary["kinds"])
throttled = sum(1 for e in log if e["status"] == 429)
times = [datetime.fromisoformat(e["time"].replace("Z", "+00:00")).timestamp() for e in log]
span = max(times) - min(times) if times else 0
capacity = limit * span / window if span else 0

print(f"import: {records} records ({created} created, {failed} failed) in {float(elapsed):.1f} s, "
      f"peak RSS {int(rss_kb) // 1024} MiB")
print(f"import: calls used {used} (the fake saw {len(log)} from the target client); plan predicted "
      f"{plan['calls']} ({100 * (used - plan['calls']) / plan['calls']:+.2f}%); minimum {minimum} = 1 token + "
      f"{reads} step-0 reads + {creates} creates + {follow_ups} follow-up writes + {archive_calls} archive calls "
      f"(used {100 * (used - minimum) / minimum:+.2f}%; goal: within +2%)")
refused = [e for e in log if e["status"] == 403 and e["method"] in ("PUT", "DELETE")]
if refused:
    kinds_refused = {e["path"].split("/")[2] if e["path"].count("/") >= 2 else e["path"] for e in refused}
    print(f"import: {len(refused)} single-record writes refused (403), over {len(kinds_refused)} kinds; "
          f"each kind then wrote through /bulk")
busy = 100 * len(log) / capacity if capacity else 0
if busy >= 50:
    print(f"import: budget {rate}: {len(log)} calls over {span:.1f} s = {busy:.1f}% of the budget's capacity in "
          f"that time (goal: at least 97%), {throttled} answers of 429 (goal: 0)")
else:
    print(f"import: budget {rate} (not limiting this run): {throttled} answers of 429")
