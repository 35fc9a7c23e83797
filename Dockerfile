# rekognition-local: an offline Amazon Rekognition on port 4599.
FROM node:20-bookworm-slim

# ffmpeg for stored video; python3, make and g++ build the native modules (better-sqlite3, hnswlib-node).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg python3 make g++ curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .

ENV REKOGNITION_LOCAL_HOST=0.0.0.0 \
    REKOGNITION_LOCAL_PORT=4599 \
    REKOGNITION_LOCAL_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 4599

HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:4599/_rekognition/health || exit 1

# Logs `rekognition-local ready on http://localhost:4599` once it accepts requests.
CMD ["node", "--import", "tsx", "server/main.ts"]
