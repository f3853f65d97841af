"""How Bronze files are grouped into parse tasks (bronze.records.plan_tasks, task_bytes_for): every file in exactly
one task, in landing order, tasks within their size, and enough tasks to keep every core busy on a large batch."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from lakehouse.bronze.records import MIN_TASK_BYTES, TASK_BYTES, FileToParse, plan_tasks, task_bytes_for

MIB = 2**20


def file(seq: int, size: int) -> FileToParse:
    return FileToParse(seq, f"/root/bronze/{seq}.csv", size, f"bronze/{seq}.csv", date(2026, 1, 5))


@given(st.lists(st.integers(0, 100 * MIB), max_size=60), st.integers(1, 64))
def test_every_file_once_in_order_and_tasks_within_their_size(sizes, slots):
    files = [file(seq, size) for seq, size in enumerate(sizes)]
    limit = task_bytes_for(sum(sizes), slots)
    assert MIN_TASK_BYTES <= limit <= TASK_BYTES
    tasks = plan_tasks(files, limit)
    assert [file for task in tasks for file in task] == files
    assert all(task for task in tasks)
    assert all(len(task) == 1 or sum(file.size for file in task) <= limit for task in tasks)


def test_a_large_batch_of_small_files_gets_two_tasks_per_slot():
    """40 files of 4.7 MB (a 2.1M-transaction batch) on local[2]'s default parallelism (4): 8 or 9 tasks, where a
    fixed 64 MiB made 3."""
    files = [file(seq, 4_700_000) for seq in range(40)]
    tasks = plan_tasks(files, task_bytes_for(40 * 4_700_000, 4))
    assert 8 <= len(tasks) <= 9


def test_a_small_batch_stays_one_task():
    files = [file(seq, 20_000) for seq in range(4)]
    assert len(plan_tasks(files, task_bytes_for(80_000, 4))) == 1
