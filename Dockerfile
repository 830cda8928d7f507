# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir -e . && useradd --create-home tandem
COPY . .
# collectstatic needs a key at build time only; the real one comes from the environment.
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput && chown -R tandem /app
USER tandem

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "-c", "python:config.gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3"]
