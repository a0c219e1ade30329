/**
 * The migrations CLI (docs/CONTRACTS.md): `status` prints {"known":[...],"applied":[...],"breaking":[...]};
 * `up` runs pending migrations under the advisory lock; `down N` reverts the last N.
 * Exit 0 on success, 1 with one line on stderr.
 */
import { loadConfig } from "./config/config.js";
import { redactSecrets } from "./logging/redact.js";
import { connectDatabase } from "./database.js";
import { migrationStatus, revertMigrations, runMigrations } from "./db/index.js";

function passwordOf(url: string | undefined): string | undefined {
  try {
    return url ? decodeURIComponent(new URL(url).password) : undefined;
  } catch {
    return undefined;
  }
}

const USAGE = "usage: migrate.js status | up | down N";

async function main(argv: string[]): Promise<void> {
  const [command, arg, ...rest] = argv;
  if (rest.length > 0) throw new Error(USAGE);
  let down = 0;
  if (command === "down") {
    if (!arg || !/^\d+$/.test(arg)) throw new Error(`down needs a whole number of migrations; ${USAGE}`);
    down = Number(arg);
  } else if ((command !== "status" && command !== "up") || arg !== undefined) {
    throw new Error(USAGE);
  }
  // Only the database part of the configuration is needed, but the same keys are validated.
  const config = loadConfig();
  const ds = await connectDatabase({ url: config.databaseUrl, attempts: 5, delayMs: 1000, poolSize: 2 });
  try {
    if (command === "status") {
      console.log(JSON.stringify(await migrationStatus(ds)));
    } else if (command === "up") {
      const ran = await runMigrations(ds);
      console.log(JSON.stringify({ ran }));
    } else {
      const reverted = await revertMigrations(ds, down);
      console.log(JSON.stringify({ reverted }));
    }
  } finally {
    await ds.destroy();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    const secrets = [process.env.BOT_TOKEN, process.env.POSTGRES_PASSWORD, passwordOf(process.env.DATABASE_URL)].filter(
      (s): s is string => !!s,
    );
    const line = (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "failed";
    process.stderr.write(`migrate: ${redactSecrets(line, secrets)}\n`);
    process.exit(1);
  },
);
