# Production image: dependencies from the hashed lock, static files collected, non-root.
FROM python:3.12-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /venv
COPY requirements/base.lock /tmp/base.lock
RUN /venv/bin/pip install --require-hashes -r /tmp/base.lock

FROM python:3.12-slim
ENV PATH=/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN useradd --create-home --uid 1000 okrhub
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=okrhub:okrhub . /app
RUN DJANGO_SETTINGS_MODULE=okrhub.settings.base DJANGO_SECRET_KEY=collectstatic python manage.py collectstatic --no-input
USER okrhub
EXPOSE 8000
CMD ["gunicorn", "okrhub.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
