FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENV AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
CMD ["npx", "duckmart", "schedule"]
