# The API image. The database is never inside it: DATABASE_URL points at one (see compose.yaml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system timeline && useradd --system --gid timeline --home-dir /app --shell /usr/sbin/nologin timeline

WORKDIR /app
COPY pyproject.toml README.md ./
COPY api ./api
COPY schema ./schema
RUN pip install .
# Migrations and data are read from the working directory at run time.
COPY alembic.ini ./
COPY migrations ./migrations
COPY data ./data

USER timeline
ENV HOST=0.0.0.0 \
    PORT=8000 \
    LOG_FORMAT=json
EXPOSE 8000

# `timeline run` migrates an un-migrated database, seeds an empty one, then serves; SIGTERM stops it cleanly.
CMD ["timeline", "run"]
