"""The rule engine: Bronze records -> records with a `reason` (null when valid). Pure DataFrame transforms.

Order of work (contract §3): on the cleaned columns the parse tasks took by header position (`bronze.records`),
the source's rules in order (first failure wins), then `duplicate_key` among rows that passed every other rule,
against the batch in landing order and against keys already in Silver.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse import contract as c
from lakehouse.silver.parsed import add_parsed_columns, parsed
from lakehouse.silver.rules import SOURCE_RULES, Rule
from lakehouse.storage.erasures import ErasedSubjects

SUBJECT_COLUMN = "customer_id"  # the id `lakehouse forget` erases (§8), and the sources whose records carry it
SUBJECT_SOURCES = (c.TRANSACTIONS, c.CUSTOMERS)
KEY = "_key"  # the duplicate key of a valid row (null for rows that failed a rule): Silver's key index holds these


def first_failed_reason(rules: list[Rule]) -> Column:
    """The reason of the first rule that fails, or null: coalesce keeps the rules' order."""
    return F.coalesce(*[F.when(rule.is_violated(), F.lit(rule.reason)) for rule in rules], F.lit(None).cast("string"))


def apply_row_rules(bronze_df: DataFrame, source: str) -> DataFrame:
    return bronze_df.withColumn("reason", first_failed_reason(SOURCE_RULES[source]()))


def dedup_key(source: str, typed: Callable[[str], Column] = parsed) -> Column:
    """The normalised key a duplicate is judged on (§3, §7), as one string. CDC keys start with the LSN and
    snapshot keys with the date, so keys accepted together sort together (the key index prunes by prefix).

    `typed` names a CDC column's normalised value: its parsed column in classified records (the default), the
    column itself in Silver rows (`silver_key`), which store exactly those values."""
    spec = c.SOURCE_SPECS[source]
    if spec.kind == "events":
        return F.col(spec.key)
    if spec.kind == "cdc":
        return F.concat_ws("|", typed("start_lsn"), typed("seqval"), typed("operation").cast("string"),
                           F.col(spec.key))
    return F.concat_ws("|", F.col("_ingest_date").cast("string"), F.col(spec.key))


def silver_key(source: str) -> Column:
    """A Silver row's duplicate key: the key index's entry for it (rebuilding the index from Silver rows)."""
    return dedup_key(source, F.col)


def with_key(ruled_df: DataFrame, source: str) -> DataFrame:
    """`_key`: the duplicate key of a row that passed every rule, null for the others."""
    return ruled_df.withColumn(KEY, F.when(F.col("reason").isNull(), dedup_key(source)))


def duplicate_records(keyed_df: DataFrame, stored_keys_df: DataFrame | None) -> DataFrame:
    """(`_file_seq`, `_record_number`) of each valid row whose key was accepted earlier in landing order or by an
    earlier run: the rows `duplicate_key` is for.

    `keyed_df` has `_key` (`with_key`); `stored_keys_df` holds the keys accepted by earlier runs (one column, `_key`),
    or None when there are none. Only the key and the row's place are shuffled, not whole records: the duplicates are
    found on a narrow projection and marked on the records by `mark_duplicates`."""
    keys_df = keyed_df.where(F.col(KEY).isNotNull()).select("_file_seq", "_record_number", KEY)
    if stored_keys_df is not None:
        stored_df = stored_keys_df.select(F.col(KEY)).distinct().withColumn("_dk_stored", F.lit(True))
        keys_df = keys_df.join(stored_df, on=KEY, how="left")
    else:
        keys_df = keys_df.withColumn("_dk_stored", F.lit(None).cast("boolean"))
    landing_order = Window.partitionBy(F.col(KEY)).orderBy("_file_seq", "_record_number")
    ranked_df = keys_df.withColumn("_dk_rank", F.row_number().over(landing_order))
    return ranked_df.where((F.col("_dk_rank") > 1) | F.col("_dk_stored").isNotNull()) \
        .select("_file_seq", "_record_number")


def mark_duplicates(keyed_df: DataFrame, duplicates_df: DataFrame, broadcast: bool = True) -> DataFrame:
    """`duplicate_key` for the rows `duplicates_df` names (`duplicate_records`). With `broadcast` (the duplicates are
    few) the records are not shuffled: each task looks its rows up in a copy of the duplicates."""
    marks_df = duplicates_df.select("_file_seq", "_record_number", F.lit(True).alias("_dk"))
    marked_df = keyed_df.join(F.broadcast(marks_df) if broadcast else marks_df,
                              on=["_file_seq", "_record_number"], how="left")
    return marked_df.withColumn(
        "reason", F.when(F.col("_dk").isNotNull(), F.lit(c.DUPLICATE_KEY)).otherwise(F.col("reason"))
    ).drop("_dk")


def mark_erased(ruled_df: DataFrame, source: str, erased: ErasedSubjects | None) -> DataFrame:
    """`erased_subject` (§8), before any other reason, for a record whose customer id an erasure names: such a record
    goes neither to Silver nor to the quarantine (no `raw` kept) and claims no key. Only the hashes are known."""
    if erased is None or source not in SUBJECT_SOURCES:
        return ruled_df
    hashed = F.sha2(F.concat(F.lit(erased.salt), F.col(SUBJECT_COLUMN)), 256)
    is_erased = F.coalesce(hashed.isin(sorted(erased.hashes)), F.lit(False))
    return ruled_df.withColumn("reason", F.when(is_erased, F.lit(c.ERASED_SUBJECT)).otherwise(F.col("reason")))


def classify_rows(bronze_df: DataFrame, source: str) -> DataFrame:
    """Bronze records of one source (`bronze.records`: cleaned columns by header position) -> plus their parsed
    columns and the `reason` of the first row rule that fails (null for a row that passes them all); duplicates not
    yet judged."""
    return add_parsed_columns(bronze_df, source).transform(lambda df: apply_row_rules(df, source))


def classify(records_df: DataFrame, source: str, stored_keys_df: DataFrame | None,
             broadcast_duplicates: bool = True) -> DataFrame:
    """Bronze records of one source -> cleaned columns plus `reason` (null for rows bound for Silver)."""
    keyed_df = with_key(classify_rows(records_df, source), source)
    return mark_duplicates(keyed_df, duplicate_records(keyed_df, stored_keys_df), broadcast_duplicates)
