"""Errors a user can cause end as one sentence on stderr (CONVENTIONS rule 10)."""


class UserError(Exception):
    """A problem the user can fix: bad path, bad input, locked root, missing Java. Printed without a stack."""


class RunFailed(UserError):
    """A run that stopped on purpose (quality gate, conservation) after leaving stored data unchanged."""
