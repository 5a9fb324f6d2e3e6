"""Vendor errors, named for what the caller does next.

``VendorTransientError``  retry later (``retry_after`` seconds when the vendor said so)
``VendorThrottled``       refused for rate, never processed: even a write is resent after the wait
``VendorRateWait``        nothing was sent: the client would wait longer than a worker slot may
                          (cool-down, rate limit, calls in flight); run again after ``retry_after``
``VendorOutcomeUnknown``  a write was sent but no answer came back: read the vendor before retrying
``VendorAuthError``       disable the connection and tell staff
``VendorNotFound``        the object is not at the vendor
``VendorBadRequest``      show the vendor's message (and field messages) to staff; change nothing
``VendorConflict``        already exists / state does not allow it
``VendorUnsupported``     the vendor cannot do this at all
``VendorUnexpectedAnswer`` the vendor answered in a shape its documents do not describe: a
                          permanent failure with the raw body kept, never a crash or a retry loop
"""

from __future__ import annotations

from typing import Any


class VendorError(Exception):
    """Base: every vendor error carries vendor, HTTP status and the decoded body."""

    def __init__(
        self,
        message: str,
        *,
        vendor: str = "",
        status: int | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.vendor = vendor
        self.status = status
        self.body = body

    def __str__(self) -> str:
        prefix = f"[{self.vendor}" + (f" HTTP {self.status}" if self.status else "") + "] "
        return prefix + self.message if self.vendor else self.message

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": type(self).__name__,
            "message": self.message,
            "vendor": self.vendor,
            "status": self.status,
            "body": self.body,
        }


class VendorTransientError(VendorError):
    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class VendorThrottled(VendorTransientError):
    """Refused for rate before the vendor processed it: resending, even a write, is safe."""


class VendorRateWait(VendorThrottled):
    """Held back client-side before sending: re-enqueue with ``retry_after`` as the countdown."""


class VendorOutcomeUnknown(VendorTransientError):
    """Raised for a write whose answer was lost (timeout, dropped connection after sending)."""


class VendorAuthError(VendorError):
    pass


class VendorNotFound(VendorError):
    pass


class VendorBadRequest(VendorError):
    def __init__(
        self, message: str, *, field_errors: dict[str, list[str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.field_errors = field_errors or {}


class VendorConflict(VendorError):
    pass


class VendorUnsupported(VendorError):
    pass


class VendorUnexpectedAnswer(VendorError):
    """An answer of a shape nobody expected (mapping it raised): fail clearly, keep the body.

    Not transient: the same answer would come again, so the caller ends the operation or the
    sync failed with this reason instead of retrying."""
