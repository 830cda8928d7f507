# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app

# pg_dump and pg_restore for `manage.py backup`/`restore`, from PostgreSQL's own Debian
# repository: of the major version of docker-compose.yml's postgres image, as a newer
# client writes dumps that an older server refuses.
ARG POSTGRES_MAJOR=16
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-common \
 && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
 && apt-get install -y --no-install-recommends "postgresql-client-${POSTGRES_MAJOR}" \
 && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir -e . && useradd --create-home tandem
COPY . .
# collectstatic needs a key at build time only; the real one comes from the environment.
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput && chown -R tandem /app
USER tandem

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "-c", "python:config.gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3"]
