# An lgt worker, the API (lgt serve) or any lgt command. With internet at build time,
# @tensorflow/tfjs-node installs and trials train on native TensorFlow; without, they train on
# the wasm backend.

# The build: the sources compiled to JavaScript (dist/), which lgt runs while it is up to date.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
RUN npm ci --ignore-scripts
COPY src ./src
COPY tasks ./tasks
COPY agents ./agents
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci runs the package's prepare (bin/build.js), which skips the build without TypeScript.
COPY bin ./bin
RUN npm ci --omit=dev
COPY src ./src
COPY tasks ./tasks
COPY agents ./agents
COPY prompts ./prompts
# Copied last, so its stamp is newer than the sources it was built from.
COPY --from=build /app/dist ./dist
EXPOSE 8080
ENTRYPOINT ["node", "bin/lgt.js"]
CMD ["worker"]
