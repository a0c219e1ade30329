/**
 * The `health` service's process (docker-compose.prod.yml, profile health-port): /health for an
 * external monitor, answered for the bot's service (health/public.ts). It is given no secrets: no
 * env file, only HEALTH_PORT (the port it listens on and the bots' own, the image's default) and
 * the bot's service name.
 */
import { startPublicHealth } from "./health/public.js";

const port = Number(process.env.HEALTH_PORT) || 8080;
const upstreamHost = process.env.HEALTH_UPSTREAM || "bot";

const server = await startPublicHealth({ port, upstreamHost, upstreamPort: port }).catch((err: unknown) => {
  process.stderr.write(
    `public /health cannot listen on ${port}: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
process.stdout.write(`public /health on :${server.port}, answering for the "${upstreamHost}" containers\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
