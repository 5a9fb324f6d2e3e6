"""Model fields shared by the apps."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.db import models

from . import crypto

if TYPE_CHECKING:  # django-stubs: the model attribute holds a dict, not a TextField's str
    _EncryptedBase = models.TextField[dict[str, Any], dict[str, Any]]
else:  # Django's fields cannot be subscripted at runtime
    _EncryptedBase = models.TextField


class EncryptedJSONField(_EncryptedBase):
    """A JSON value stored as a Fernet token: the column never holds the plaintext.

    Lookups on the value are impossible by design; the field is never editable through forms
    (the admin and pages use write-only inputs instead).
    """

    description = "JSON encrypted at rest"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", dict)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return {}
        return json.loads(crypto.decrypt(value))

    def to_python(self, value):
        if isinstance(value, dict):
            return value
        if value in (None, ""):
            return {}
        return json.loads(value)

    def get_prep_value(self, value):
        if value is None:
            return None
        return crypto.encrypt(json.dumps(value, sort_keys=True))
