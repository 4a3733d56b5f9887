# syntax=docker/dockerfile:1
#
# One image recipe for every Cascade service. Build one image per service:
#
#   docker build --build-arg SERVICE=gateway -t cascade/gateway:dev .
#
# SERVICE is the directory name under services/ (gateway, identity, rooms, sfu-orchestrator,
# sfu-node). The container runs services/$SERVICE/dist/main.js as the unprivileged `node` user
# (uid 1000). Configuration comes only from environment variables (see deploy/README.md).
# Each image holds its service's production dependencies only, and only the sfu-node image has
# mediasoup and its worker (stages prune, prod-deps and build below; deploy/README.md, "Images").
# Without Docker, tools/images/check-images.mjs runs the same steps and checks (npm test does).
#
# The web app (apps/web) is the `web` target: its production build served by nginx, unprivileged
# (uid 101) on port 8080 with apps/web/deploy/nginx.conf. It takes no build argument:
#
#   docker build --target web -t cascade/web:dev .
#
# `runtime` stays the last stage, so a build without --target is a service image.

ARG NODE_IMAGE=node:24-bookworm
ARG NODE_RUNTIME_IMAGE=node:24-bookworm-slim
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.28-alpine-slim

# ---------------------------------------------------------------------------------------------
# Build toolchain: full Debian bookworm image (compilers, python3) so that native add-ons and,
# if the prebuilt download fails, the mediasoup worker can be built. Same Debian release as the
# runtime image, so shared-library package names match.
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS toolchain
# The repository pins npm 11 (package.json "packageManager"); npm 11 is also what honours the
# root package.json "allowScripts" (mediasoup's install script is not run by `npm ci`).
RUN npm install --global npm@11.19.1 && npm --version
ENV TURBO_TELEMETRY_DISABLED=1 \
    CI=true
WORKDIR /app

# ---------------------------------------------------------------------------------------------
# Only the package manifests, so that `npm ci` below is cached until a package.json or the
# lockfile changes (BuildKit compares the copied content, not this stage's cache key).
# ---------------------------------------------------------------------------------------------
FROM toolchain AS manifests
COPY . /src
RUN mkdir /manifests \
 && cd /src \
 && find . -name package.json -not -path '*/node_modules/*' -print0 \
    | tar --null -cf - -T - package-lock.json \
    | tar -xf - -C /manifests

# ---------------------------------------------------------------------------------------------
# Dependencies of every workspace, for the web app's build (the service images prune instead).
# ---------------------------------------------------------------------------------------------
FROM toolchain AS deps
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

# ---------------------------------------------------------------------------------------------
# Web app: Vite production build (apps/web/dist). Vite bundles @cascade/client and
# @cascade/contracts from their TypeScript sources, so no other workspace is compiled first. The
# build stops if nginx.conf's Content-Security-Policy drifted from the app's.
# ---------------------------------------------------------------------------------------------
FROM deps AS web-build
COPY . .
RUN node apps/web/deploy/check-csp.mjs
RUN npm run build -w @cascade/web && test -f apps/web/dist/index.html

# ---------------------------------------------------------------------------------------------
# Web app image: static files and nginx only. nginx runs as uid 101 and writes only to /tmp (pid,
# temporary files): mount a tmpfs/emptyDir there and the root filesystem can be read-only.
# ---------------------------------------------------------------------------------------------
FROM ${NGINX_IMAGE} AS web
USER root
# No default site (conf.d is not included by our nginx.conf) and no sample pages. The config stays
# root-owned and read-only for nginx's user (the base image makes /etc/nginx writable for it).
# `nginx -t` as root leaves a pid file and temp dirs behind: /tmp is emptied afterwards.
RUN rm -rf /etc/nginx/conf.d/default.conf /usr/share/nginx/html/*
COPY apps/web/deploy/nginx.conf /etc/nginx/nginx.conf
COPY --from=web-build /app/apps/web/dist/ /usr/share/nginx/html/
RUN chown -R root:root /etc/nginx /usr/share/nginx/html \
 && chmod -R go-w /etc/nginx /usr/share/nginx/html \
 && nginx -t \
 && rm -rf /tmp/*
# Numeric, so that Kubernetes can verify runAsNonRoot against the image.
USER 101
EXPOSE 8080
# The base image's entrypoint and command (`nginx -g 'daemon off;'`); SIGQUIT is nginx's graceful
# stop (finish requests in flight, then exit).
STOPSIGNAL SIGQUIT

# ---------------------------------------------------------------------------------------------
# Prune: the selected service's slice of the monorepo (turbo prune), and beside it the same
# manifests narrowed to its production workspaces (tools/images/focus-workspaces.mjs). The
# narrowing is what keeps other workspaces' dependencies out: npm counts every workspace as a
# dependency of the root project, so `npm ci --omit=dev` (with or without `-w`) on the pruned
# tree alone would still install the dependencies of the service's dev-only workspaces
# (@cascade/testing: WebRTC test clients, testcontainers, …).
# ---------------------------------------------------------------------------------------------
FROM toolchain AS prune
ARG SERVICE
RUN test -n "${SERVICE}" || { echo 'build with --build-arg SERVICE=<gateway|identity|rooms|sfu-orchestrator|sfu-node>' >&2; exit 1; }
COPY . /src
WORKDIR /src
RUN test -f "services/${SERVICE}/package.json" || { echo "unknown SERVICE '${SERVICE}' (no services/${SERVICE})" >&2; exit 1; }
# turbo at the version the repository pins (root devDependencies).
RUN npx --yes "turbo@$(node -p 'require("./package.json").devDependencies.turbo')" \
      prune "@cascade/${SERVICE}" --docker --out-dir /pruned \
 && cp -a /pruned/json /pruned/prod \
 && node tools/images/focus-workspaces.mjs /pruned/prod "@cascade/${SERVICE}"

# ---------------------------------------------------------------------------------------------
# Production dependencies only: the service's and its production workspaces', at the lockfile's
# versions. Install scripts follow the root package.json's "allowScripts" (npm 11).
# ---------------------------------------------------------------------------------------------
FROM toolchain AS prod-deps
COPY --from=prune /pruned/prod/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

# ---------------------------------------------------------------------------------------------
# Build: every dependency of the pruned slice (compilers, Prisma's generator), then compile the
# selected service and its workspace dependencies.
# ---------------------------------------------------------------------------------------------
FROM toolchain AS build
ARG SERVICE

COPY --from=prune /pruned/json/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

# mediasoup worker binary (sfu-node only). ensure-worker.sh tries mediasoup's own postinstall
# (prebuilt download from GitHub) first and builds from source against Debian libraries if that
# fails; it prints the binary's path on stdout. The cache mount keeps a source build across
# image builds. After `npm ci` (it starts from node_modules/mediasoup), before the sources are
# copied, so that source edits do not invalidate it.
# A prebuilt worker only needs glibc; a source-built one links Debian's libuv, libssl, libsrtp2,
# libusrsctp, abseil, liburing: the runtime packages owning those libraries are listed in
# /out/mediasoup/runtime-packages.txt and installed into the runtime image.
COPY tools/mediasoup-worker/ tools/mediasoup-worker/
RUN --mount=type=cache,target=/root/.cache/cascade \
    set -eu; mkdir -p /out/mediasoup; \
    if [ "${SERVICE}" = sfu-node ]; then \
      bin="$(bash tools/mediasoup-worker/ensure-worker.sh)"; \
      install -m 0755 "$bin" /out/mediasoup/mediasoup-worker; \
      ldd /out/mediasoup/mediasoup-worker \
        | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' \
        | while read -r lib; do dpkg -S "*/$(basename "$lib")" 2>/dev/null || true; done \
        | grep -v '^diversion' | sed 's|: /.*||' | tr ',' '\n' | sed 's/^ *//; s/:.*//' \
        | grep -v -e '^$' -e '-dev$' | sort -u > /out/mediasoup/runtime-packages.txt; \
      echo "mediasoup-worker runtime packages: $(tr '\n' ' ' < /out/mediasoup/runtime-packages.txt)"; \
    fi

COPY --from=prune /pruned/full/ ./
# turbo prune copies the workspaces, root package.json, lockfile and turbo.json, not the shared
# compiler settings every tsconfig extends.
COPY tsconfig.base.json ./
RUN npx turbo run build --filter="@cascade/${SERVICE}..."

# Assemble exactly what the runtime needs: the production node_modules, the narrowed manifests,
# and of each production workspace its dist/ (and Prisma migrations: identity and rooms apply
# them at start). Then the image checks (tools/images/check-tree.mjs): no build, test or
# browser-side package, mediasoup only in sfu-node, every module the compiled code requires
# resolves, and `node dist/main.js` gets as far as validating its environment.
COPY --from=prod-deps /app/ /out/app/
COPY tools/images/check-tree.mjs /tools/check-tree.mjs
RUN set -eu; \
    for ws in $(node -p 'require("/out/app/package.json").workspaces.join(" ")'); do \
      cp -a "$ws/dist" "/out/app/$ws/"; \
      if [ -d "$ws/prisma" ]; then cp -a "$ws/prisma" "/out/app/$ws/"; fi; \
    done; \
    node /tools/check-tree.mjs /out/app "${SERVICE}"

# ---------------------------------------------------------------------------------------------
# Runtime: slim Debian, no compilers, non-root.
# ---------------------------------------------------------------------------------------------
FROM ${NODE_RUNTIME_IMAGE} AS runtime
ARG SERVICE

COPY --from=build /out/mediasoup/ /opt/mediasoup/
# Then the same check as mediasoup's own: run without MEDIASOUP_VERSION, the worker exits with 41.
RUN set -eu; \
    if [ -s /opt/mediasoup/runtime-packages.txt ]; then \
      apt-get update; \
      xargs apt-get install -y --no-install-recommends < /opt/mediasoup/runtime-packages.txt; \
      rm -rf /var/lib/apt/lists/*; \
    fi; \
    if [ -e /opt/mediasoup/mediasoup-worker ]; then \
      rc=0; env -i /opt/mediasoup/mediasoup-worker >/dev/null 2>&1 || rc=$?; \
      [ "$rc" -eq 41 ] || { echo "mediasoup-worker does not run in the runtime image (exit $rc)" >&2; exit 1; }; \
    fi

COPY --from=build /out/app/ /app/

# MEDIASOUP_WORKER_BIN is read by mediasoup itself (and validated by the sfu-node config). Only
# the sfu-node image contains the binary; the other services never read the variable.
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    CASCADE_SERVICE=${SERVICE} \
    MEDIASOUP_WORKER_BIN=/opt/mediasoup/mediasoup-worker

WORKDIR /app/services/${SERVICE}
# The `node` user of the official image (uid/gid 1000); the Kubernetes manifests run as 1000 too.
# Application files stay root-owned and read-only for it.
USER node

# Node is PID 1: the services install SIGTERM/SIGINT handlers (graceful shutdown, sfu-node
# draining) and Node reaps its own child processes (mediasoup workers), so no init is needed.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
