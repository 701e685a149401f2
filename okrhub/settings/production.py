"""Production: PostgreSQL, Redis, secrets required from the environment."""

from .base import *  # noqa: F403
from .base import env, without_jit

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": without_jit(env.db("DATABASE_URL"))}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Behind the TLS proxy: the client's address is the last one the proxy appended
# to X-Forwarded-For (okrhub.security.client_ip; lockouts and limits count per address).
OKRHUB_PROXY_COUNT = env.int("OKRHUB_PROXY_COUNT", default=1)

# Required: links in emails must reach this site, not the development default.
OKRHUB_BASE_URL = env("OKRHUB_BASE_URL").rstrip("/")
# Required: base.py built MAILERS from it; the console backend is for development only.
env.email_url("EMAIL_URL")

# Load balancers and container healthchecks probe /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
