# The service image: builds the graph at image build time and serves it.
# Browser assets for the pages (YASGUI, world map) come from npm in a first stage.
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    MIGCOOP_STORE_PATH=/data/store MIGCOOP_DUMPS_PATH=/data/dumps

WORKDIR /srv/migcoop
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir .
COPY ontology ./ontology
COPY data ./data
COPY queries ./queries
COPY templates ./templates
COPY static ./static
COPY --from=assets /assets/node_modules ./node_modules
ENV MIGCOOP_PROJECT_ROOT=/srv/migcoop
RUN migcoop build

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/ready')"
# Inside the container's own network namespace the server must listen on all
# interfaces to be reachable; docker-compose publishes it on the host's loopback only.
CMD ["migcoop", "serve", "--host", "0.0.0.0", "--port", "8000", "--allow-public"]
