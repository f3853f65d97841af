"""`lakehouse` command line (contract §6). Parses arguments, builds a config, calls one job, prints one summary.

Errors a user can cause end as one line on stderr and a non-zero exit status; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

from lakehouse.cli.adf import add_adf_run_parser, cmd_adf_run
from lakehouse.cli.demo_sizes import DEMO_DAYS, DEMO_ROWS_PER_DAY
from lakehouse.cli.deploy import add_deploy_parser, cmd_deploy
from lakehouse.cli.land import add_land_parser, cmd_land
from lakehouse.config import DEFAULT_MAX_QUARANTINE_RATIO, DEFAULT_ROOT, ENGINE_ENV, ENGINES, LakehouseConfig
from lakehouse.errors import UserError

SQL_FORMATS = ("table", "csv", "json")  # lakehouse.sql.run.FORMATS; not imported, so --help stays fast
# storage.maintenance.RETENTION_FLOOR_HOURS, the default and the floor of `maintain`'s retention; not imported, so
# --help stays fast (a test keeps them equal).
VACUUM_RETAIN_HOURS = 168
EXIT_USER_ERROR = 1
EXIT_INTERRUPTED = 130


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def _hours(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of hours (0 or more)")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a rate between 0 and 1")
    return value


def _add_run_arguments(parser: argparse.ArgumentParser, silver: bool = True) -> None:
    parser.add_argument("--root", required=True, type=Path, help="root directory (contract §1)")
    parser.add_argument("--run-id", help="run id recorded in lineage and ops (default: time + random suffix)")
    if silver:
        parser.add_argument("--max-quarantine-ratio", type=_rate, default=DEFAULT_MAX_QUARANTINE_RATIO,
                            help="fail the run when more than this share of a source's records is quarantined")
    parser.add_argument("--delta-engine", choices=ENGINES, default=None,
                        help=f"how Gold and ops Delta tables are written (default: ${ENGINE_ENV}, else auto: "
                             "delta-spark when Delta is on Spark's classpath, else delta-rs)")


def _config(args: argparse.Namespace) -> LakehouseConfig:
    return LakehouseConfig.create(
        args.root, args.run_id, getattr(args, "max_quarantine_ratio", DEFAULT_MAX_QUARANTINE_RATIO),
        getattr(args, "delta_engine", None),
    )


class _RaisingParser(argparse.ArgumentParser):
    """A parser whose errors are UserErrors, for callers in this process (entry points, `adf-run`): a bad argument
    crosses the layers as an exception, like any other user error, instead of a usage message and exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise UserError(f"{self.prog}: {message}")


def build_parser(raising: bool = False) -> argparse.ArgumentParser:
    parser_class = _RaisingParser if raising else argparse.ArgumentParser
    parser = parser_class(prog="lakehouse", description="Customer-analytics lakehouse pipeline")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write realistic Bronze CSV data for all four sources")
    generate.add_argument("--root", required=True, type=Path)
    generate.add_argument("--days", type=_positive, default=14)
    generate.add_argument("--rows-per-day", type=_positive, default=1000)
    generate.add_argument("--start-date", type=_date, default=date(2026, 1, 5))
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--faults", type=_rate, default=0.0, help="share of rows given a fault (0..1)")

    _add_run_arguments(commands.add_parser("bronze-to-silver", help="validate new Bronze files into Silver"))
    _add_run_arguments(commands.add_parser("silver-to-gold", help="bring Gold up to date with new Silver rows"),
                       silver=False)
    _add_run_arguments(commands.add_parser("run", help="bronze-to-silver, then silver-to-gold"))

    check = commands.add_parser("check-gold", help="report what in Gold's Delta logs Synapse serverless cannot read")
    check.add_argument("--root", required=True, type=Path, help="root directory whose gold/ tables are checked")

    add_land_parser(commands)
    add_deploy_parser(commands)
    add_adf_run_parser(commands)

    sql = commands.add_parser("sql", help="run a T-SQL query over Gold and the analyst views of synapse_sql/, locally")
    sql.add_argument("--root", required=True, type=Path, help="root directory whose Gold tables are queried")
    sql.add_argument("--format", choices=SQL_FORMATS, default="table", help="output format (default: table)")
    sql.add_argument("--sql-dir", type=Path, default=None, help="folder of the T-SQL views (default: synapse_sql/)")
    sql.add_argument("query", help='T-SQL, e.g. "SELECT TOP 10 * FROM analytics.vw_store_comparison"')

    status = commands.add_parser("status", help="what a root holds and whether it needs attention (no Spark)")
    status.add_argument("--root", required=True, type=Path, help="root directory to report on")
    status.add_argument("--html", type=Path, default=None, metavar="FILE",
                        help="also write the report as one self-contained HTML page with charts")

    maintain = commands.add_parser(
        "maintain", help="compact, checkpoint and vacuum every Gold and ops Delta table (contract §8)",
        description="Per Gold and ops Delta table: rewrite each partition's small files into one file (up to 128 MB "
                    "each), write a checkpoint, and delete the files no current version references that are older "
                    "than the retention. Table contents do not change.")
    _add_run_arguments(maintain, silver=False)
    maintain.add_argument("--vacuum-retain-hours", type=_hours, default=VACUUM_RETAIN_HOURS, metavar="H",
                          help=f"delete unreferenced files older than this (default and floor: {VACUUM_RETAIN_HOURS}; "
                               "versions older than the retention can no longer be read)")
    maintain.add_argument("--force", action="store_true", help="allow a retention below the floor")
    maintain.add_argument("--dry-run", action="store_true", help="report what would be done; change nothing")

    rebuild = commands.add_parser(
        "rebuild", help="reprocess Bronze files into Silver, quarantine and Gold (contract §8)",
        description="Process every Bronze input file (or those of an ingest-date range) again, as if landed into an "
                    "empty root, and replace Silver, quarantine and the rows of every Gold table with the result (each "
                    "Gold table gets a new Delta version; earlier versions stay readable). With a range, the files "
                    "outside it keep their Silver and quarantine rows, and the range's files are judged against their "
                    "keys. Without --yes it prints the plan and changes nothing.")
    _add_run_arguments(rebuild)
    rebuild.add_argument("--from-ingest-date", type=_date, help="first ingest date to reprocess (YYYY-MM-DD)")
    rebuild.add_argument("--to-ingest-date", type=_date, help="last ingest date to reprocess (YYYY-MM-DD)")
    rebuild.add_argument("--yes", action="store_true", help="confirm: without it, only the plan is printed")

    forget = commands.add_parser(
        "forget", help="erase one customer from Bronze, Silver, quarantine and Gold (GDPR, contract §8)",
        description="Remove every record of the customer from its Bronze files (rewritten; the manifest updated), "
                    "Silver, the quarantine and Gold (dimension versions, fact rows; the days it touched "
                    "recomputed), vacuum the Gold tables so no version holds it, and keep only a salted hash of the "
                    "id, so that later records of it are dropped. Without --yes it prints the plan and changes "
                    "nothing.")
    _add_run_arguments(forget, silver=False)
    forget.add_argument("--customer-id", required=True, help="the customer id to erase")
    forget.add_argument("--yes", action="store_true", help="confirm: without it, only the plan is printed")

    demo = commands.add_parser("demo", help="generate data on a local root, run the pipeline, show the results")
    demo.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    demo.add_argument("--days", type=_positive, default=DEMO_DAYS)
    demo.add_argument("--rows-per-day", type=_positive, default=DEMO_ROWS_PER_DAY)
    demo.add_argument("--max-quarantine-ratio", type=_rate, default=DEFAULT_MAX_QUARANTINE_RATIO,
                      help="the quality gate's limit (small demos have a dense share of injected faults)")
    return parser


def cmd_generate(args: argparse.Namespace) -> None:
    from lakehouse.generate import generate

    summary = generate(args.root, days=args.days, rows_per_day=args.rows_per_day, start_date=args.start_date,
                       seed=args.seed, faults=args.faults)
    rows = ", ".join(f"{source} {count}" for source, count in summary.rows_by_source.items())
    print(f"generated {len(summary.files_written)} files ({len(summary.files_skipped)} already present) "
          f"under {args.root / 'bronze'}: {rows} rows")


def cmd_bronze_to_silver(args: argparse.Namespace) -> None:
    from lakehouse.cli.output import print_b2s_summary
    from lakehouse.pipeline import bronze_to_silver

    print_b2s_summary(bronze_to_silver.run(_config(args)))


def cmd_silver_to_gold(args: argparse.Namespace) -> None:
    from lakehouse.cli.output import print_s2g_summary
    from lakehouse.pipeline import silver_to_gold

    print_s2g_summary(silver_to_gold.run(_config(args)))


def cmd_run(args: argparse.Namespace) -> None:
    from lakehouse.cli.output import print_b2s_summary, print_s2g_summary
    from lakehouse.pipeline import run as pipeline

    pipeline.run(_config(args), on_silver=print_b2s_summary, on_gold=print_s2g_summary)


def cmd_check_gold(args: argparse.Namespace) -> None:
    from lakehouse.storage.layout import Layout
    from lakehouse.storage.synapse_check import check_tables

    gold = Layout(args.root).gold
    results = check_tables(gold)
    if not results:
        raise UserError(f"root {args.root} has no Gold tables under {gold}: run the pipeline first "
                        f"(lakehouse run --root {args.root})")
    for table, problems in results.items():
        print(f"{table:<30} {'readable by Synapse serverless' if not problems else '; '.join(problems)}")
    unreadable = [table for table, problems in results.items() if problems]
    if unreadable:
        raise UserError(f"{len(unreadable)} of {len(results)} Gold tables cannot be read correctly by Synapse "
                        f"serverless: {', '.join(unreadable)}")


def cmd_sql(args: argparse.Namespace) -> None:
    from lakehouse.sql.run import format_result, run_query
    from lakehouse.sql.translate import SQL_DIR

    result = run_query(args.root, args.query, args.sql_dir or SQL_DIR)
    sys.stdout.write(format_result(result, args.format))


def cmd_status(args: argparse.Namespace) -> None:
    from lakehouse.status.report import gather
    from lakehouse.status.text import format_text

    report = gather(args.root)
    sys.stdout.write(format_text(report))
    if args.html:
        from lakehouse.status.html import format_html

        try:
            args.html.write_text(format_html(report), encoding="utf-8")
        except OSError as error:
            raise UserError(f"cannot write {args.html}: {error.strerror}") from None
        print(f"status page: {args.html}")


def cmd_rebuild(args: argparse.Namespace) -> None:
    from lakehouse.cli.rebuild import print_plan, print_rebuild_summary
    from lakehouse.pipeline import rebuild

    print_rebuild_summary(rebuild.run(_config(args), confirmed=args.yes, on_plan=print_plan,
                                      first=args.from_ingest_date, last=args.to_ingest_date))


def cmd_maintain(args: argparse.Namespace) -> None:
    from lakehouse.cli.maintain import print_maintain_summary
    from lakehouse.pipeline import maintain

    options = maintain.MaintainOptions(retain_hours=args.vacuum_retain_hours, force=args.force, dry_run=args.dry_run)
    print_maintain_summary(maintain.run(_config(args), options))


def cmd_forget(args: argparse.Namespace) -> None:
    from lakehouse.cli.forget import print_forget_summary, print_plan
    from lakehouse.pipeline import forget

    print_forget_summary(forget.run(_config(args), args.customer_id, confirmed=args.yes, on_plan=print_plan))


def cmd_demo(args: argparse.Namespace) -> None:
    from lakehouse.cli.demo import run_demo

    run_demo(args.root, days=args.days, rows_per_day=args.rows_per_day,
             max_quarantine_ratio=args.max_quarantine_ratio)


COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "generate": cmd_generate,
    "bronze-to-silver": cmd_bronze_to_silver,
    "silver-to-gold": cmd_silver_to_gold,
    "run": cmd_run,
    "check-gold": cmd_check_gold,
    "land": cmd_land,
    "deploy": cmd_deploy,
    "adf-run": cmd_adf_run,
    "sql": cmd_sql,
    "status": cmd_status,
    "maintain": cmd_maintain,
    "rebuild": cmd_rebuild,
    "forget": cmd_forget,
    "demo": cmd_demo,
}


def _execute(args: argparse.Namespace) -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    COMMANDS[args.command](args)


def run_command(argv: Sequence[str]) -> None:
    """Run one command for a caller in this process (the Databricks entry points, `adf-run`, notebooks): a user's
    error, a bad argument included, is raised as UserError, and an interruption as KeyboardInterrupt."""
    _execute(build_parser(raising=True).parse_args(argv))


def console() -> NoReturn:
    """The `lakehouse` console script (and `python -m lakehouse.cli`): `main`, then `exit_without_teardown`."""
    exit_without_teardown(main())


def exit_without_teardown(code: int) -> NoReturn:
    """End the process with `code` as `sys.exit` would, less the interpreter's teardown, which frees every object the
    run made and imported one by one: 0.55 s of a one-day run's 21 s (Great Expectations, pandas, scipy, pyarrow and
    PySpark are a quarter of a million objects), with nothing left to do by then. What an exit does before that
    still happens, in its order: threads that are not daemons are waited for (thread pools shut down first), the
    exit handlers run (`atexit`: logging's flush, temporary directories' removal, ...), stdout and stderr are
    flushed. The project writes files through context managers or raw descriptors, so no buffered write is left for
    the teardown. The local JVM ends as before: it exits when this process's end closes its standard input.
    Two differences: an interruption while threads are waited for ends the wait with EXIT_INTERRUPTED (the handlers
    still run), and a flush into a closed pipe keeps the command's status instead of Python's 120."""
    wait_for_threads = getattr(threading, "_shutdown", None)
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if wait_for_threads is None or run_exit_handlers is None:  # not CPython: the usual exit
        sys.exit(code)
    try:
        wait_for_threads()
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`lakehouse run | head`) loses nothing more
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """The `lakehouse` command: a user's error ends in one line on stderr and a non-zero status."""
    args = build_parser().parse_args(argv)
    try:
        _execute(args)
    except UserError as error:
        print(f"lakehouse: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("lakehouse: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


if __name__ == "__main__":
    sys.exit(main())
