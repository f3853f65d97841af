"""Where a tiny run's time goes: Spark jobs against everything else, per pipeline step, on a warm JVM.

    .venv/bin/python bench/profile_run.py [--runs 3] [--rows 200]

Runs `lakehouse run` --runs times in this process (each on a fresh one-day root), so the first pays the JVM's start
and warm-up and the last shows the steady fixed cost a scheduled job or a test pays on a warm session. Spark's own
event log (uncompressed, in a scratch folder) gives each job's start, end and call site; the pipeline's step timings
come from ops/pipeline_runs. For the last run it prints: wall time, the time during which some Spark job ran, the
number of jobs, the step timings, and the jobs by call site. The event log itself costs some time. Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from versus_duckdb import stage_metrics  # noqa: E402


def spark_jobs(event_dir: Path) -> list[dict]:
    """(start ms, end ms, call site) of every finished job in the session's event log."""
    jobs: dict[int, dict] = {}
    for log in event_dir.rglob("events_*"):
        for line in log.open():
            event = json.loads(line)
            if event["Event"] == "SparkListenerJobStart":
                properties = event.get("Properties", {})
                site = properties.get("spark.job.description") or properties.get("callSite.short") or ""
                if not site or "CompletableFuture" in site:
                    site = "Spark's asynchronous jobs (broadcasts, adaptive query stages)"
                jobs[event["Job ID"]] = {"start": event["Submission Time"], "site": site}
            elif event["Event"] == "SparkListenerJobEnd" and event["Job ID"] in jobs:
                jobs[event["Job ID"]]["end"] = event["Completion Time"]
    return [job for job in jobs.values() if "end" in job]


def busy_seconds(jobs: list[dict]) -> float:
    """Seconds in which at least one job ran (jobs overlap: asynchronous ones run beside the one that waits)."""
    busy, until = 0.0, float("-inf")
    for job in sorted(jobs, key=lambda job: job["start"]):
        start = max(job["start"], until)
        if job["end"] > start:
            busy += job["end"] - start
        until = max(until, job["end"])
    return busy / 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lakehouse-profile-"))
    events = work / "events"
    events.mkdir()
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    os.environ["PYSPARK_SUBMIT_ARGS"] = (
        f"--conf spark.eventLog.enabled=true --conf spark.eventLog.compress=false "
        f"--conf spark.eventLog.dir={events.as_uri()} pyspark-shell"
    )
    from lakehouse.cli import main as lakehouse
    from lakehouse.generate import generate

    windows = []
    try:
        for attempt in range(args.runs):
            root = work / f"root_{attempt}"
            generate(root, days=1, rows_per_day=args.rows, start_date=date(2026, 1, 5), seed=attempt, faults=0.01)
            started = time.time()
            status = lakehouse(["run", "--root", str(root), "--max-quarantine-ratio", "1"])
            windows.append((started * 1000, time.time() * 1000))
            if status != 0:
                sys.exit(f"lakehouse run failed ({status}) on {root}")
            print(f"run {attempt + 1}: {(windows[-1][1] - windows[-1][0]) / 1000:.1f} s wall", flush=True)
        first, last = windows[-1]
        jobs = [job for job in spark_jobs(events) if first <= job["start"] <= last]
        in_jobs = busy_seconds(jobs)
        wall = (last - first) / 1000
        print(f"last run: {wall:.1f} s wall, {in_jobs:.1f} s with a Spark job running ({len(jobs)} jobs), "
              f"{wall - in_jobs:.1f} s with none (planning, Delta commits, driver Python)")
        for job_name, metrics in stage_metrics(root).items():
            print(f"  {job_name}: {metrics['duration_s']:.1f} s; steps (s): " + ", ".join(
                f"{name} {seconds:.1f}" for name, seconds in metrics.get("steps_s", {}).items()))
        by_site: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])
        for job in jobs:
            by_site[job["site"][:100]][0] += 1
            by_site[job["site"][:100]][1] += (job["end"] - job["start"]) / 1000
        print("  Spark jobs by call site (s summed over jobs, which overlap; jobs):")
        for site, (count, seconds) in sorted(by_site.items(), key=lambda item: -item[1][1])[:20]:
            print(f"    {seconds:6.2f} {count:4d}  {site}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
