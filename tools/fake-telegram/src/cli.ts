/**
 * The fake as its own server: `node cli.ts --host 0.0.0.0 --port 8081` (Node 22 type stripping, in
 * a container) or `node --import tsx tools/fake-telegram/src/cli.ts --port 0`. Prints one JSON
 * line `{"url":...}`, serves until SIGTERM/SIGINT, then exits 0.
 */
import { parseCliArgs } from "./cli-args.ts";
import { startFakeBotApi } from "./server.ts";
import type { FakeBotApiOptions } from "./types.ts";

async function main(): Promise<void> {
  let opts: FakeBotApiOptions;
  try {
    opts = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`fake-bot-api: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const api = await startFakeBotApi(opts);
  process.stdout.write(`${JSON.stringify({ url: api.url })}\n`);
  const shutdown = (): void => {
    api.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`fake-bot-api: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
