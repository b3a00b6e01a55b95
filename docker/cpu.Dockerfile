# syntax=docker/dockerfile:1
# The worker on the CPU backend. Build from the repository root:
#   docker build -f docker/cpu.Dockerfile -t asr-stream-worker:cpu .
# Run with a model of your own mounted at /models (without ASR_MODEL the
# bundled forty-word model is used):
#   docker run -e ASR_REDIS_URL=redis://redis:6379 \
#     -v "$PWD/models:/models:ro" -e ASR_MODEL=/models/ggml-base.en.bin \
#     asr-stream-worker:cpu

FROM node:20-bookworm AS builder

# cmake-js drives CMake; g++ compiles the addon and whisper.cpp.
RUN apt-get update \
  && apt-get install -y --no-install-recommends cmake g++ \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# package.json and the lockfile alone decide the dependency layer, so a
# source change does not reinstall it. --ignore-scripts: the install script
# would build the addon before its sources are here; it is built below.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json CMakeLists.txt ./
COPY scripts/ scripts/
COPY cmake/ cmake/
COPY native/ native/
COPY src/ src/

RUN npm run build
# Forced rather than detected, so the backend is decided here, not by what the
# builder image happens to hold. The result is
# build-cmake/cpu/Release/asr_engine.node.
RUN ASR_BACKEND=cpu npm run build:native
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime

ENV NODE_ENV=production
WORKDIR /app

# Only what runs. Files stay owned by root, so the worker cannot rewrite its
# own code. The addon keeps its build path: the loader looks for it there.
COPY --from=builder /app/package.json ./
COPY --from=builder /app/node_modules/ node_modules/
COPY --from=builder /app/dist/ dist/
COPY --from=builder /app/build-cmake/cpu/Release/asr_engine.node build-cmake/cpu/Release/
COPY schemas/ schemas/
COPY models/README.md models/ggml-micro-en.bin models/

# Mount point for real whisper models (read-only is enough); a plain directory
# rather than a VOLUME, so a run without a mount leaves no anonymous volume.
RUN mkdir /models

# Probed from outside the container, so listen on every interface.
ENV ASR_HTTP_HOST=0.0.0.0 ASR_HTTP_PORT=9464
EXPOSE 9464

# The slim image has no curl; node itself asks /readyz, which fails while Redis
# is unreachable, the worker is stalled or it drains.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.ASR_HTTP_PORT || 9464) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# The node image's own unprivileged user, by number so that Kubernetes'
# runAsNonRoot can check it.
USER 1000:1000

# Node itself is PID 1 and handles SIGTERM: it stops taking tasks, lets running
# ones finish within ASR_DRAIN_TIMEOUT_MS and exits 0. Never start it through
# npx, which does not pass the signal on.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["run"]
