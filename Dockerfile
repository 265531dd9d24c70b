# moca-relay: one image for the relay, the sandbox and the CLI tools.
#   docker build -t moca-relay .   then   docker run moca-relay run --config /config/relay.yaml
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# Only src/: the image runs the CLI (dist/src). bench/ stays out, as it imports test fixtures and
# runs from a checkout (`npm run bench`); tsconfig.build.json's bench entry then matches nothing.
COPY src src
# npm ci runs `prepare`, which builds dist/.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY schemas schemas
COPY examples examples
USER node
# The flags of src/cli/relay-node-flags.ts, as moca-relay's own shebang passes them.
ENTRYPOINT ["node", "--max-semi-space-size=64", "dist/src/cli/main.js"]
CMD ["--help"]
