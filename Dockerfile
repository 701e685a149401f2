# Production image (docker-compose.yml runs it as web, worker and beat).
# Stage 1 builds the virtualenv from the hashed lock; stage 2 copies it into a
# slim image that runs as an unprivileged user with static files collected.
FROM python:3.12-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /venv
COPY requirements/base.lock /tmp/base.lock
RUN /venv/bin/pip install --require-hashes -r /tmp/base.lock

FROM python:3.12-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=okrhub.settings.production
RUN useradd --create-home --uid 1000 --user-group okrhub
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=okrhub:okrhub . /app
# collectstatic needs no database or secret: it runs with the base settings and a throwaway key.
RUN DJANGO_SETTINGS_MODULE=okrhub.settings.base DJANGO_SECRET_KEY=collectstatic-only \
    python manage.py collectstatic --no-input \
    && chown -R okrhub:okrhub /app/var
USER okrhub
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': os.environ['DJANGO_ALLOWED_HOSTS'].split(',')[0].strip(), 'X-Forwarded-Proto': 'https'}), timeout=4)"]
# gunicorn reads WEB_CONCURRENCY for its number of workers.
CMD ["gunicorn", "okrhub.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "60"]
