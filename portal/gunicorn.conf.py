"""Gunicorn settings for the web service (docker-compose `web`)."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
# Bulk ingest requests of 10,000 rows take seconds, not milliseconds.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
# Paths only: query strings may carry identifiers of insured persons.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(D)sus'
