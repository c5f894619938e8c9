# One image for the loader, dbt and the REST service (see docker-compose.yml).
# Stage 1: the Python environment, from the pinned requirements.
FROM python:3.11.11-slim-bookworm AS python-deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt

# Stage 2: the Swagger UI and ReDoc bundles the service serves itself (no CDN).
FROM node:20.18.1-bookworm-slim AS docs-assets
WORKDIR /build
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev

# Stage 3: the runtime image, as a non-root user.
FROM python:3.11.11-slim-bookworm
RUN useradd --create-home --uid 10001 app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DO_NOT_TRACK=1 \
    GX_ANALYTICS_ENABLED=false \
    SERVICE_HOST=0.0.0.0
COPY --from=python-deps /opt/venv /opt/venv
WORKDIR /app
COPY --from=docs-assets /build/node_modules ./node_modules
COPY pyproject.toml dbt_project.yml profiles.yml gunicorn.conf.py ./
COPY database_settings ./database_settings
COPY loader ./loader
COPY service ./service
COPY dbt_project ./dbt_project
COPY seeds ./seeds
RUN mkdir -p data/onet target logs && chown -R app:app /app
USER 10001
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
