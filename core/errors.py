"""Errors the services raise, which every page and the API turn into a clear message.

Django's own `ValidationError` (bad input) and `PermissionDenied` (not allowed) are used as
they are; these two cover the rest. The API maps both to 409 (core/api.py), pages show the
message.
"""


class WorkflowError(Exception):
    """The action does not fit the object's state (e.g. approving a draft)."""

    def __init__(self, message: str):
        self.message = str(message)
        super().__init__(self.message)


class ConflictError(WorkflowError):
    """Someone changed the object since it was read: nothing was overwritten."""
