# One image for web, worker, beat and the stubs (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 KEYACCOUNTS_VAR_DIR=/app/var \
    DJANGO_SETTINGS_MODULE=keyaccounts.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends gettext curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# The build touches no database or broker; production settings still want their values (and a key) to load.
RUN export DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost/0 \
      DJANGO_SECRET_KEY=build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(50))') \
 && python manage.py compilemessages --locale zh_Hans --ignore=.venv -v0 \
 && python manage.py collectstatic --noinput -v0
RUN useradd --create-home --uid 1000 app && mkdir -p /app/var && chown -R app /app/var
USER app
EXPOSE 8000 8100
CMD ["gunicorn", "keyaccounts.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
