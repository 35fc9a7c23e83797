# rekognition-local: an offline Amazon Rekognition on port 4599.
# Build: docker build -t rekognition-local .   Run: docker run -p 4599:4599 -v rekognition-data:/data rekognition-local

# ---- build: native modules (better-sqlite3, hnswlib-node) compile here; dist/ is the compiled server.
FROM node:22-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# npm 10 (Node 22's) ignores package.json's allowScripts: this keeps onnxruntime-node's install offline.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json index.ts ./
COPY bin ./bin
COPY scripts ./scripts
COPY server ./server
COPY src ./src
COPY models ./models
COPY console ./console
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: no compilers; a non-root user; state in the /data volume.
FROM node:22-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app /app
# The model cache (decoded weights) is written under the app folder on first start.
RUN mkdir -p /data /app/.cache && chown node:node /data /app/.cache
USER node

ENV NODE_ENV=production \
    REKOGNITION_LOCAL_HOST=0.0.0.0 \
    REKOGNITION_LOCAL_PORT=4599 \
    REKOGNITION_LOCAL_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 4599

# Healthy once every model is loaded (GET /_rekognition/ready answers 503 until then).
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4599/_rekognition/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Logs `rekognition-local ready on http://localhost:4599 (web console: ...)`, then `rekognition-local models ready in N s`.
# The web console's page script is the dist/console.js the build wrote (esbuild is pruned).
ENTRYPOINT ["node", "bin/rekognition-local.mjs"]
