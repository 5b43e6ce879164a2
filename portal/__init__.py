"""The project package: settings, URLs, the Celery app and the insured person's pages."""

from portal.celery import app as celery_app

__all__ = ("celery_app",)
