# The duckmart scheduler. Node is the container's process (PID 1) and handles
# SIGTERM itself: `docker stop` stops new ticks, lets the running job finish
# (give it time: `docker stop -t 600`, compose's stop_grace_period) and exits.
FROM node:20.20.2-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true \
    DUCKMART_WAREHOUSE=/data/warehouse.duckdb \
    DUCKMART_WORK_DIR=/data/work
COPY package.json package-lock.json ./
# The dependencies alone, in a layer of their own. --ignore-scripts holds back
# the package's own `prepare` (the CLI build), which needs the sources copied
# below; `npm rebuild` then runs the dependencies' install scripts.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild && npm cache clean --force
# .dockerignore keeps the host's node_modules, dist, .duckmart and .git out of this copy.
COPY . .
# The CLI bundle (dist/cli), so that no TypeScript is compiled when it starts.
RUN npm run build
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# Unhealthy while no run has finished yet or a source breaks its freshness SLA.
HEALTHCHECK --interval=1m --timeout=30s --start-period=2m --retries=3 \
  CMD ["node", "bin/duckmart.js", "status"]
CMD ["node", "bin/duckmart.js", "schedule"]
