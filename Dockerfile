# One image for every process: web (gunicorn + whitenoise), Celery worker, Celery beat and the
# vendor sandbox. docker-compose.yml picks the process with `command:`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.production \
    PORTAL_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles

# A fixed non-root uid, so mounted volumes can be prepared for it.
RUN groupadd --system --gid 1000 portal \
    && useradd --system --uid 1000 --gid portal --home-dir /app --shell /usr/sbin/nologin portal

WORKDIR /app

# Dependencies first: this layer is reused until requirements.txt changes.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Collect static files at build time with the production settings (hashed, compressed names for
# whitenoise). The values below exist only for this step and are never used at run time: the
# production settings refuse to start without real SECRET_KEY, FIELD_ENCRYPTION_KEYS and REDIS_URL
# (collectstatic connects to none of them).
RUN SECRET_KEY=collectstatic-only-build-time-placeholder-not-a-secret-000000 \
    FIELD_ENCRYPTION_KEYS=MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA= \
    REDIS_URL=redis://build-time-placeholder:6379/0 \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var \
    && chown -R portal:portal /app/var

USER portal
EXPOSE 8000

CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
