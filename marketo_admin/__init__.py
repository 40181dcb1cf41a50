"""marketo-admin: a self-hosted control room for Marketo Engage's REST API."""

__version__ = "0.1.0"

# The Celery app is imported here so that `shared_task` binds to it in every process.
from marketo_admin.celery import app as celery_app

__all__ = ["__version__", "celery_app"]
