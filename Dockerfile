# Production image: the same code runs as web (gunicorn), worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --system --create-home --home-dir /home/portal portal

COPY pyproject.toml README.md requirements.lock ./
# The versions CI tested, with their hashes; then the project without resolving again.
RUN pip install --require-hashes -r requirements.lock
COPY portal ./portal
COPY accounts ./accounts
COPY contributions ./contributions
COPY transfers ./transfers
COPY risk ./risk
COPY synthetic ./synthetic
COPY templates ./templates
COPY manage.py ./
RUN pip install --no-deps . \
 && PORTAL_ENVIRONMENT=production SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--config", "portal/gunicorn.conf.py"]
