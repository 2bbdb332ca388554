# optiproxy: OpenAI-compatible optimizing LLM proxy
# Build: docker build -t optiproxy .   Run: docker run -p 8000:8000 -e OPENAI_API_KEY=sk-... optiproxy

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY providers ./providers
COPY approaches ./approaches
RUN npm run build

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["node", "dist/src/healthcheck.js"]
CMD ["node", "dist/src/cli.js"]
