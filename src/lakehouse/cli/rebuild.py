"""What `lakehouse rebuild` prints: the plan first (always), then the two stages' summaries and the outcome."""

from __future__ import annotations

from lakehouse.cli.output import print_b2s_summary, print_s2g_summary
from lakehouse.pipeline.rebuild import RebuildPlan, RebuildSummary


def _version(version: int | None) -> str:
    return "none yet" if version is None else f"v{version}"


def format_plan(plan: RebuildPlan) -> list[str]:
    files = ", ".join(f"{source} {count}" for source, count in plan.files.items())
    tables = ", ".join(f"{name} ({_version(version)})" for name, version in plan.gold_versions.items())
    lines = [f"rebuild plan for {plan.root}:",
             f"  reprocess {plan.total_files} Bronze files ({files}), ingest dates {plan.first_ingest_date} to "
             f"{plan.last_ingest_date}, as if landed into an empty root"]
    if plan.ingest_range is not None:
        lines.append(f"  keep the Silver and quarantine rows of the {plan.kept_files} processed files outside that "
                     "range as they are (the range's files are judged against their keys)")
    return [*lines, "  replace Silver, quarantine and the file manifest with the result",
            f"  give every Gold table a new version, its history kept: {tables}"]


def print_plan(plan: RebuildPlan) -> None:
    print("\n".join(format_plan(plan)), flush=True)


def format_outcome(summary: RebuildSummary) -> str:
    published = summary.published
    versions = published.gold_versions if published else {}
    changed = ", ".join(f"{name} {_version(summary.plan.gold_versions.get(name))} -> {_version(version)}"
                        for name, version in versions.items())
    return f"rebuild run {summary.run_id}: {summary.status} in {summary.duration_s:.1f}s; Gold: {changed}"


def print_rebuild_summary(summary: RebuildSummary) -> None:
    if summary.silver:
        print_b2s_summary(summary.silver)
    if summary.gold:
        print_s2g_summary(summary.gold)
    print(format_outcome(summary))
