"""Production: secrets are required from the environment, and every security setting is on.

``python manage.py check --deploy --settings=portal.settings.production`` passes with no warning.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import FIELD_ENCRYPTION_KEYS, LOGGING, REDIS_URL, env

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set in the environment (at least 50 random characters) in production."
    )
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS (or FIELD_ENCRYPTION_KEY) must be set in production: "
        "generate one with `python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'`."
    )

if not REDIS_URL:
    # Without Redis every process keeps its own rate limits, cache and broker folder: on more
    # than one host (or one host with several workers) the vendor's limit would be exceeded.
    raise ImproperlyConfigured(
        "REDIS_URL must be set in production (e.g. redis://redis:6379/0): the broker, the cache "
        "and the vendor rate limits every process shares live there."
    )

# One JSON object per log line unless LOG_FORMAT=plain.
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT

# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
# The __Host- prefix makes browsers refuse these cookies unless Secure, host-only and path=/.
SESSION_COOKIE_NAME = "__Host-portal_session"
CSRF_COOKIE_NAME = "__Host-portal_csrftoken"
X_FRAME_OPTIONS = "DENY"
# Behind the TLS-terminating proxy axes must count failures per client, not per proxy.
AXES_CLIENT_IP_CALLABLE = "portal.accounts.backends.client_ip"
