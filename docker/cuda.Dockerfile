# syntax=docker/dockerfile:1
# The worker on the CUDA backend (needs the NVIDIA container toolkit on the
# host). Build from the repository root:
#   docker build -f docker/cuda.Dockerfile -t asr-stream-worker:cuda .
#   docker run --gpus all -e ASR_REDIS_URL=redis://redis:6379 \
#     -v "$PWD/models:/models:ro" -e ASR_MODEL=/models/ggml-base.en.bin \
#     asr-stream-worker:cuda

# Node.js comes from the official image rather than an install script, and
# one named stage pins it for both stages below.
FROM node:20-bookworm-slim AS node

FROM nvidia/cuda:12.6.3-devel-ubuntu24.04 AS builder

# The devel image brings nvcc and cuBLAS; cmake-js drives CMake and g++ is
# nvcc's host compiler.
RUN apt-get update \
  && apt-get install -y --no-install-recommends cmake g++ make \
  && rm -rf /var/lib/apt/lists/*

COPY --from=node /usr/local/bin/node /usr/local/bin/
COPY --from=node /usr/local/lib/node_modules/npm/ /usr/local/lib/node_modules/npm/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx

WORKDIR /app

# package.json and the lockfile alone decide the dependency layer, so a
# source change does not reinstall it. --ignore-scripts: the install script
# would build a CPU addon before its sources are here; the CUDA one is built
# below.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json CMakeLists.txt ./
COPY scripts/ scripts/
COPY cmake/ cmake/
COPY native/ native/
COPY src/ src/

RUN npm run build
# Forced rather than detected, so a toolkit the script cannot find fails the
# build instead of giving a CPU addon only. The result is
# build-cmake/cuda/Release/asr_engine.node.
RUN ASR_BACKEND=cuda npm run build:native
# A CPU build beside it: on a node without the NVIDIA driver the loader
# skips the CUDA build, and the worker runs on the CPU instead of failing
# to start (its banner says which backend runs).
RUN ASR_BACKEND=cpu npm run build:native
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# The runtime image carries the CUDA runtime and cuBLAS 12 the addon links
# against; the driver itself is mounted in by the container toolkit.
FROM nvidia/cuda:12.6.3-runtime-ubuntu24.04 AS runtime

COPY --from=node /usr/local/bin/node /usr/local/bin/

# ubuntu:24.04 ships a user 'ubuntu' with uid 1000; replace it with the
# worker's own so uid 1000 means the same in both images. Its home directory
# holds CUDA's kernel cache (~/.nv) when the root filesystem is writable.
RUN if id -u ubuntu >/dev/null 2>&1; then userdel ubuntu && rm -rf /home/ubuntu; fi \
  && if getent group ubuntu >/dev/null; then groupdel ubuntu; fi \
  && groupadd --gid 1000 asr \
  && useradd --uid 1000 --gid 1000 --create-home --shell /usr/sbin/nologin asr

ENV NODE_ENV=production
WORKDIR /app

# Only what runs. Files stay owned by root, so the worker cannot rewrite its
# own code. The addon keeps its build path: the loader looks for it there.
COPY --from=builder /app/package.json ./
COPY --from=builder /app/node_modules/ node_modules/
COPY --from=builder /app/dist/ dist/
COPY --from=builder /app/build-cmake/cuda/Release/asr_engine.node build-cmake/cuda/Release/
COPY --from=builder /app/build-cmake/cpu/Release/asr_engine.node build-cmake/cpu/Release/
COPY schemas/ schemas/
COPY models/README.md models/ggml-micro-en.bin models/

# Mount point for real whisper models (read-only is enough); a plain directory
# rather than a VOLUME, so a run without a mount leaves no anonymous volume.
RUN mkdir /models

# Probed from outside the container, so listen on every interface.
ENV ASR_HTTP_HOST=0.0.0.0 ASR_HTTP_PORT=9464
EXPOSE 9464

# No curl in this image; node itself asks /readyz, which fails while Redis is
# unreachable, the worker is stalled or it drains.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.ASR_HTTP_PORT || 9464) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# By number, so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000

# Node itself is PID 1 and handles SIGTERM: it stops taking tasks, lets running
# ones finish within ASR_DRAIN_TIMEOUT_MS and exits 0. Never start it through
# npx, which does not pass the signal on.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["run"]
