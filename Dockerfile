# An lgt worker, the API (lgt serve) or any lgt command. With internet at build time,
# @tensorflow/tfjs-node installs and trials train on native TensorFlow; without, they train on
# the wasm backend.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY bin ./bin
COPY src ./src
COPY tasks ./tasks
COPY agents ./agents
COPY prompts ./prompts
EXPOSE 8080
ENTRYPOINT ["node", "bin/lgt.js"]
CMD ["worker"]
