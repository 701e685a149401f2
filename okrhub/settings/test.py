"""Tests: real PostgreSQL (and Redis where a test needs it), fast hashing."""

import uuid

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DATABASES = {
    "default": env.db("TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/okrhub"),
}
REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests drive workers explicitly; the default is in-process execution.
CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = True

# WhiteNoise expects STATIC_ROOT to exist even when tests serve nothing from it.
(BASE_DIR / "var" / "staticfiles").mkdir(parents=True, exist_ok=True)

# API throttles count in the test Redis, like in production. Each run gets its
# own key prefix: ids restart with every test database, and one run's counters
# must not throttle the next.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"okrhub-test-{uuid.uuid4().hex[:12]}",
    }
}

# Chat integrations: a fixed key and Slack app, and the local receivers tests run on 127.0.0.1.
OKRHUB_ENCRYPTION_KEY = "5x8lD2Zy0vJ3cF1g3o7eYb0bq3oGQvJq9l6r8m2x1aE="
OKRHUB_SLACK_CLIENT_ID = "1111.2222"
OKRHUB_SLACK_CLIENT_SECRET = "test-client-secret"  # noqa: S105 - a test value
OKRHUB_SLACK_SIGNING_SECRET = "test-signing-secret"  # noqa: S105 - a test value
OKRHUB_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
