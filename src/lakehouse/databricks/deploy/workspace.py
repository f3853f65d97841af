"""The Databricks side of deploy: the only module that calls databricks-sdk; its failures end as one-line UserErrors.

Authentication is the SDK's standard chain, nothing of our own: DATABRICKS_HOST with DATABRICKS_TOKEN (or
DATABRICKS_CLIENT_ID/SECRET), a profile of ~/.databrickscfg (`--profile`, or DATABRICKS_CONFIG_PROFILE), and on
Azure the Azure CLI login, a managed identity (ARM_USE_MSI) or a service principal (ARM_CLIENT_ID, ARM_TENANT_ID,
ARM_CLIENT_SECRET) with DATABRICKS_HOST.

The SDK retries a refused connection or a timeout until `retry_timeout_seconds` (five minutes by default, for network
glitches). Deploy passes its `--timeout` instead, so an unreachable host is reported within about twice that: once
for the SDK's best-effort host-metadata probe when the client is made, once for the first call.

The wheel goes to a workspace file (`/Workspace/...`) through the Workspace API: `get-status` to see whether it is
there, `mkdirs` and a multipart `import` (format AUTO, a file, not a notebook) when it is not. Jobs go through the
Jobs API 2.2: `list` by name, `get`, `create`, `reset`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from lakehouse.databricks.deploy.plan import ExistingJob
from lakehouse.errors import UserError

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

HTTP_TIMEOUT_SECONDS = 60  # one request; the retry budget (--timeout) is separate
SDK_LOGGER = "databricks.sdk"
NO_CREDENTIALS = ("no Databricks credentials: set DATABRICKS_HOST and DATABRICKS_TOKEN (on Azure: DATABRICKS_HOST "
                  "with an Azure CLI login, a managed identity or ARM_* service principal variables), "
                  "or pass --profile NAME of ~/.databrickscfg")
_REASONS = (  # text in the chain of a network error -> what to tell the user
    ("Connection refused", "connection refused"),
    ("Name or service not known", "unknown host name"),
    ("nodename nor servname", "unknown host name"),
    ("getaddrinfo failed", "unknown host name"),
    ("Temporary failure in name resolution", "host name does not resolve"),
    ("CERTIFICATE_VERIFY_FAILED", "its TLS certificate is not trusted"),
    ("timed out", "no answer in time"),
    ("Connection reset", "connection reset"),
)


def _sdk_message(error: BaseException) -> str:
    """The SDK's own sentence, without the debug dump and documentation link it appends."""
    text = str(error)
    for cut in (". Config:", ", please check https://", " Config:"):
        text = text.split(cut)[0]
    return text.strip().rstrip(".")


def auth_message(error: ValueError, profile: str | None) -> str:
    text = _sdk_message(error)
    if "cannot configure default credentials" in text:
        return NO_CREDENTIALS if profile is None else f"Databricks profile {profile!r} gives no usable credentials"
    return f"Databricks authentication: {text}"


def network_reason(error: BaseException) -> str:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    text = " ".join(str(item) for item in chain)
    return next((reason for needle, reason in _REASONS if needle in text), _sdk_message(chain[-1]) or "no answer")


@contextmanager
def _quiet_sdk() -> Iterator[None]:
    """Hide the SDK's warning when its host-metadata probe fails: a real failure is reported by the next call."""
    logger = logging.getLogger(SDK_LOGGER)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def connect(profile: str | None, timeout_seconds: float) -> Workspace:
    """A client from the SDK's standard authentication chain; `profile` picks a ~/.databrickscfg profile."""
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.config import Config

    try:
        with _quiet_sdk():
            config = Config(profile=profile, retry_timeout_seconds=math.ceil(timeout_seconds),
                            http_timeout_seconds=min(timeout_seconds, HTTP_TIMEOUT_SECONDS))
    except ValueError as error:
        raise UserError(auth_message(error, profile)) from None
    return Workspace(WorkspaceClient(config=config), timeout_seconds)


class Workspace:
    """The calls deploy makes, each turning the SDK's errors into one sentence that names the host."""

    def __init__(self, client: WorkspaceClient, timeout_seconds: float) -> None:
        self._client = client
        self._timeout = timeout_seconds
        self.host = client.config.host

    @contextmanager
    def _calling(self, what: str) -> Iterator[None]:
        from databricks.sdk.errors import DatabricksError, PermissionDenied, Unauthenticated

        try:
            yield
        except (Unauthenticated, PermissionDenied) as error:
            raise UserError(f"{self.host} refused to {what}: {_sdk_message(error)} (check the credentials and "
                            "their permissions)") from None
        except DatabricksError as error:
            raise UserError(f"could not {what} on {self.host}: {_sdk_message(error)}") from None
        except OSError as error:  # TimeoutError after the SDK's retries, requests' errors
            raise UserError(f"cannot reach {self.host}: {network_reason(error)} (gave up after "
                            f"{self._timeout:g} s; --timeout sets how long)") from None

    def file_exists(self, path: str) -> bool:
        from databricks.sdk.errors import NotFound

        with self._calling(f"look up {path}"):
            try:
                self._client.workspace.get_status(path)
            except NotFound:
                return False
        return True

    def upload_file(self, path: str, content: bytes) -> None:
        """Write a new workspace file; one already there is left (the paths deploy writes are content-addressed)."""
        from databricks.sdk.errors import ResourceAlreadyExists
        from databricks.sdk.service.workspace import ImportFormat

        with self._calling(f"upload {path}"):
            self._client.workspace.mkdirs(path.rsplit("/", 1)[0])
            with suppress(ResourceAlreadyExists):  # a concurrent deploy wrote the same bytes there
                self._client.workspace.upload(path, content, format=ImportFormat.AUTO)

    def find_jobs(self, name: str) -> list[ExistingJob]:
        """The jobs of exactly that name, with full settings when there is exactly one (several are refused anyway).
        The API's name filter ignores case; a job named with other casing is another job, so it is left out."""
        with self._calling(f"list the jobs named {name!r}"):
            ids = [job.job_id for job in self._client.jobs.list(name=name)
                   if job.job_id is not None and job.settings is not None and job.settings.name == name]
            if len(ids) != 1:
                return [ExistingJob(job_id, {}) for job_id in ids]
            job = self._client.jobs.get(ids[0])
            return [ExistingJob(ids[0], job.settings.as_dict() if job.settings else {})]

    def create_job(self, settings: dict[str, Any]) -> int:
        from databricks.sdk.service.jobs import JobSettings

        with self._calling(f"create the job {settings['name']!r}"):
            created = self._client.jobs.create(**JobSettings.from_dict(settings).as_shallow_dict())
        if created.job_id is None:
            raise UserError(f"{self.host} created the job {settings['name']!r} but returned no job id")
        return created.job_id

    def reset_job(self, job_id: int, settings: dict[str, Any]) -> None:
        from databricks.sdk.service.jobs import JobSettings

        with self._calling(f"update the job {settings['name']!r} (job {job_id})"):
            self._client.jobs.reset(job_id, JobSettings.from_dict(settings))
