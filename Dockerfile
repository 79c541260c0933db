# One image for web, worker, beat and the stubs (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 KEYACCOUNTS_VAR_DIR=/app/var
RUN apt-get update && apt-get install -y --no-install-recommends gettext curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN python manage.py compilemessages --locale zh_Hans --ignore=.venv -v0 \
 && DATABASE_URL=sqlite:////tmp/build.sqlite3 python manage.py collectstatic --noinput -v0
RUN useradd --create-home --uid 1000 app && mkdir -p /app/var && chown -R app /app/var
USER app
EXPOSE 8000 8100
CMD ["gunicorn", "keyaccounts.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
