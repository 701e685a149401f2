"""Settings of the Celery worker subprocesses the tests start (tests/workers/).

The test settings, with the broker, the database and the mail server handed
over by the test process through the environment; tasks are never eager.
"""

from okrhub.settings.test import *  # noqa: F403
from okrhub.settings.test import env

CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900),
    # Look for the unacknowledged tasks of dead workers every second.
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
if env("TEST_SMTP_PORT", default=""):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": env.int("TEST_SMTP_PORT"), "timeout": 10},
        }
    }
