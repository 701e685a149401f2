"""The embedded default: SQLite, in-process tasks, debug on, mail to the console."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
(BASE_DIR / "var").mkdir(exist_ok=True)

# Off production, static files come straight from the source folders, hashed
# names or not: the run path works with DJANGO_DEBUG=false and no collectstatic
# (the manifest storage of base.py would answer 500 on any page naming a file
# collectstatic has not seen). WhiteNoise serves them, as runserver does not
# with debug off.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
