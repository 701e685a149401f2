"""The embedded default: SQLite, in-process tasks, debug on, mail to the console."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
(BASE_DIR / "var").mkdir(exist_ok=True)
