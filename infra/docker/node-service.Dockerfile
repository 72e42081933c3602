# One image recipe for the four TypeScript services; docker-compose.yml passes SERVICE.
# Build context: the repository root (the services import the shared workspace package).
# Node 24, an LTS line (the services run on Node ^20.19 or >= 22.12: package.json engines).
FROM node:24-bookworm-slim
WORKDIR /app
# Dependencies first, before SERVICE is declared: this layer is the same for the three
# services, so `npm ci` runs once per build and is cached until the lockfile changes.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY command-api/package.json command-api/
COPY projector/package.json projector/
COPY query-api/package.json query-api/
COPY notifier/package.json notifier/
COPY infra/package.json infra/
# --ignore-scripts: no dependency's install script runs (.npmrc, which is not copied, says the same).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
COPY shared shared
ARG SERVICE
COPY ${SERVICE} ${SERVICE}
WORKDIR /app/${SERVICE}
ENV NODE_ENV=production
USER node
CMD ["node", "--import", "tsx", "src/main.ts"]
