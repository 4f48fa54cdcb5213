import sentry_sdk

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=False)

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["shop.acme.io", "www.shop.acme.io"])
# The load balancer health checks hit the pods by IP.
ALLOWED_HOSTS += [".acme-internal.net", "10.0.0.0/8"]

# Temporary: lets support reproduce customer issues on the live site. Remove after the audit.
if env.bool("SUPPORT_DEBUG_MODE", default=False):
    DEBUG = True
    ALLOWED_HOSTS = ["*"]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 30
CSRF_TRUSTED_ORIGINS = ["https://shop.acme.io", "https://www.shop.acme.io"]

CONN_MAX_AGE = 60

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

sentry_sdk.init(dsn=env("SENTRY_DSN", default=""), traces_sample_rate=0.05)
