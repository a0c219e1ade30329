/** The image's HEALTHCHECK: GET http://127.0.0.1:$HEALTH_PORT/health, exit 0 on 200, else 1 (3 s at most). */
const port = Number(process.env.HEALTH_PORT) || 8080;

try {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) });
  const body = (await res.text()).slice(0, 300);
  console.log(`${res.status} ${body}`);
  process.exit(res.status === 200 ? 0 : 1);
} catch (err) {
  console.error(`health check failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
