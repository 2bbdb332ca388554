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
COPY console ./console
RUN npm run build

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
# the server (dist/src, dist/providers, dist/approaches) and the web console it serves at /ui (dist/console)
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/providers ./dist/providers
COPY --from=build /app/dist/approaches ./dist/approaches
COPY --from=build /app/dist/console ./dist/console
USER node
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["node", "dist/src/healthcheck.js"]
CMD ["node", "dist/src/cli.js"]
