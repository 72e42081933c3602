# One image recipe for the three TypeScript services; docker-compose.yml passes SERVICE.
# Build context: the repository root (the services import the shared workspace package).
FROM node:20-bookworm-slim
ARG SERVICE
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY command-api/package.json command-api/
COPY projector/package.json projector/
COPY query-api/package.json query-api/
COPY infra/package.json infra/
RUN npm ci --omit=dev --no-audit --no-fund
COPY shared shared
COPY ${SERVICE} ${SERVICE}
WORKDIR /app/${SERVICE}
ENV NODE_ENV=production
USER node
CMD ["node", "--import", "tsx", "src/main.ts"]
