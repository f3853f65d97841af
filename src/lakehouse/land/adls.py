"""Landing on ADLS Gen2 through azure-storage-file-datalake (contract §1: Bronze is the `bronze` container).

Credentials: `AZURE_STORAGE_CONNECTION_STRING` when set (its `BlobEndpoint`, if any, is the endpoint the SDK
talks DFS to: that is how tests point it at a local server), else DefaultAzureCredential on
`https://<account>.dfs.core.windows.net`.

Integrity: every append carries a transactional Content-MD5 that the service checks (`validate_content=True`),
the flush stores the whole file's MD5 as its Content-MD5 property, and the file properties read back before the
rename must show the local size and MD5. The service does not compute a whole-file MD5 for appended data, so the
stored one is ours; together with the per-chunk checks and the size it vouches for the bytes, and it is what a
later landing compares against (a file stored without one is read back and hashed).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import AzureError, ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.storage.filedatalake import (
    ContentSettings,
    DataLakeFileClient,
    DataLakeServiceClient,
    ExponentialRetry,
    FileSystemClient,
)

from lakehouse.errors import UserError
from lakehouse.land.checks import Extract, new_md5, read_chunks
from lakehouse.land.targets import DestinationExists, Progress, RetrySettings, StoredFile, changed_while_landing
from lakehouse.land.targets import temporary_name as make_temporary_name

BRONZE_CONTAINER = "bronze"
CONNECTION_STRING_ENV = "AZURE_STORAGE_CONNECTION_STRING"
APPEND_CHUNK_BYTES = 4 << 20
ABFSS_ROOT = re.compile(r"^abfss://(?P<container>[^@/]+)@(?P<host>(?P<account>[A-Za-z0-9]+)\.dfs\.[^/]+)/?$")
CSV_CONTENT_TYPE = "text/csv"


def one_line(error: AzureError) -> str:
    """An SDK error as one line: HTTP status and storage error code, or the transport's first line."""
    if isinstance(error, HttpResponseError) and error.status_code:
        error_code = getattr(error, "error_code", None)  # set by the storage SDK's error processing
        code = f" {getattr(error_code, 'value', error_code)}" if error_code else ""  # a str enum
        return f"HTTP {error.status_code}{code}"
    first_line = (str(error.message or error).strip().splitlines() or [type(error).__name__])[0]
    return f"connection error: {first_line}"


def storage_error(action: str, error: AzureError) -> UserError:
    if getattr(error, "error_code", None) in ("FilesystemNotFound", "ContainerNotFound"):
        return UserError(f"{action} failed: the account has no {BRONZE_CONTAINER!r} container (contract §1)")
    if isinstance(error, ClientAuthenticationError) and not error.status_code:
        return UserError(f"{action} failed: no Azure credential ({one_line(error)}); set {CONNECTION_STRING_ENV} "
                         "or sign in for DefaultAzureCredential (az login, managed identity, environment)")
    retried = " after retries" if not isinstance(error, HttpResponseError) or (error.status_code or 500) >= 500 else ""
    return UserError(f"{action} failed{retried}: {one_line(error)}")


class AdlsTarget:
    """`bronze` container of one account; paths below it are `<source>/ingest_date=<date>/<name>`."""

    def __init__(self, file_system: FileSystemClient, url_prefix: str, chunk_bytes: int = APPEND_CHUNK_BYTES):
        self.file_system = file_system
        self.url_prefix = url_prefix
        self.chunk_bytes = chunk_bytes

    def location(self, relative: str) -> str:
        return f"{self.url_prefix}{relative}"

    def stat(self, relative: str) -> StoredFile | None:
        try:
            return self._stat(self.file_system.get_file_client(relative))
        except AzureError as error:
            raise storage_error(f"reading {self.location(relative)}", error) from None

    def content_md5(self, relative: str) -> str:
        digest = new_md5()
        try:
            for chunk in self.file_system.get_file_client(relative).download_file().chunks():
                digest.update(chunk)
        except AzureError as error:
            raise storage_error(f"reading {self.location(relative)}", error) from None
        return digest.hexdigest()

    def put(self, relative: str, extract: Extract, progress: Progress) -> None:
        folder, _, name = relative.rpartition("/")
        temporary = self.file_system.get_file_client(f"{folder}/{make_temporary_name(name)}")
        is_published = False
        try:
            temporary.create_file(content_settings=ContentSettings(content_type=CSV_CONTENT_TYPE))
            self._upload(temporary, extract, progress)
            self._verify(temporary, extract)
            self._publish(temporary, relative, extract)
            is_published = True
        except AzureError as error:
            raise storage_error(f"landing {extract.path} as {self.location(relative)}", error) from None
        except OSError as error:
            raise UserError(f"cannot read {extract.path}: {error.strerror or error}") from None
        finally:
            if not is_published:
                self._discard(temporary)

    @staticmethod
    def _stat(client: DataLakeFileClient) -> StoredFile | None:
        try:
            properties = client.get_file_properties()
        except ResourceNotFoundError:
            return None
        if (properties.metadata or {}).get("hdi_isfolder") == "true":
            raise UserError(f"{client.url} exists and is a directory")
        md5 = properties.content_settings.content_md5
        return StoredFile(size=properties.size, md5=bytes(md5).hex() if md5 else None)

    def _upload(self, client: DataLakeFileClient, extract: Extract, progress: Progress) -> None:
        digest, position = new_md5(), 0
        for chunk in read_chunks(extract.path, self.chunk_bytes):
            client.append_data(chunk, offset=position, length=len(chunk), validate_content=True)
            digest.update(chunk)
            position += len(chunk)
            progress(len(chunk))
        if position != extract.size or digest.hexdigest() != extract.md5:
            raise changed_while_landing(extract)
        settings = ContentSettings(content_type=CSV_CONTENT_TYPE, content_md5=bytearray.fromhex(extract.md5))
        client.flush_data(position, content_settings=settings, close=True)

    def _verify(self, client: DataLakeFileClient, extract: Extract) -> None:
        stored = self._stat(client)
        if stored != StoredFile(size=extract.size, md5=extract.md5):
            raise UserError(f"{client.path_name} does not match {extract.path} after upload "
                            f"(stored {stored}); nothing landed")

    def _publish(self, temporary: DataLakeFileClient, relative: str, extract: Extract) -> None:
        """Rename onto the final name only if it is free (If-None-Match: * on the destination)."""
        try:
            temporary.rename_file(f"{self.file_system.file_system_name}/{relative}",
                                  match_condition=MatchConditions.IfMissing)
        except AzureError as error:
            status = error.status_code if isinstance(error, HttpResponseError) else None
            if status is not None and status not in (404, 409, 412):
                raise error
            # A rename whose response was lost may have been done: its retry then finds the source gone (404) or
            # the destination taken (409/412) by its own first attempt, or every response was lost.
            if self._is_in_place(temporary, relative, extract):
                return
            if status in (409, 412):
                raise DestinationExists(relative) from None
            raise error

    def _is_in_place(self, temporary: DataLakeFileClient, relative: str, extract: Extract) -> bool:
        ours = StoredFile(size=extract.size, md5=extract.md5)
        return self._stat(temporary) is None and self._stat(self.file_system.get_file_client(relative)) == ours

    @staticmethod
    def _discard(client: DataLakeFileClient) -> None:
        """Best effort: a temporary file left behind starts with `_`, so the pipeline ignores it anyway."""
        with contextlib.suppress(AzureError):
            client.delete_file()


def retry_policy(retry: RetrySettings) -> ExponentialRetry:
    # The per-kind budgets (connect, read, status) default to 3 and would cap `total`; give each the full budget.
    options: dict[str, Any] = {
        "retry_total": retry.total, "retry_connect": retry.total, "retry_read": retry.total,
        "retry_status": retry.total, "initial_backoff": retry.initial_backoff,
        "increment_base": retry.increment_base, "random_jitter_range": retry.jitter,
    }
    return ExponentialRetry(**options)


def service_client(account: str, host: str, retry: RetrySettings,
                   environ: Mapping[str, str]) -> DataLakeServiceClient:
    options: dict[str, Any] = {"retry_policy": retry_policy(retry)}
    connection_string = environ.get(CONNECTION_STRING_ENV)
    if not connection_string:
        from azure.identity import DefaultAzureCredential

        return DataLakeServiceClient(f"https://{host}", credential=DefaultAzureCredential(), **options)
    try:
        client = DataLakeServiceClient.from_connection_string(connection_string, **options)
    except ValueError as error:
        raise UserError(f"{CONNECTION_STRING_ENV} is not a usable connection string: {error}") from None
    if client.account_name != account:
        raise UserError(f"{CONNECTION_STRING_ENV} is for account {client.account_name!r}, "
                        f"but --root names account {account!r}")
    return client


def open_adls_target(root: str, retry: RetrySettings, environ: Mapping[str, str]) -> AdlsTarget:
    match = ABFSS_ROOT.match(root)
    if not match:
        raise UserError(f"--root {root!r} is not an ADLS Gen2 root: use abfss://bronze@<account>.dfs.core.windows.net/")
    if match["container"] != BRONZE_CONTAINER:
        raise UserError(f"--root {root!r}: Bronze is the {BRONZE_CONTAINER!r} container (contract §1); "
                        f"use abfss://{BRONZE_CONTAINER}@{match['host']}/")
    client = service_client(match["account"], match["host"], retry, environ)
    return AdlsTarget(client.get_file_system_client(BRONZE_CONTAINER), f"abfss://{BRONZE_CONTAINER}@{match['host']}/")
