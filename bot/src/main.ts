/**
 * The bot process: config → logger → database (migrations under the advisory lock) → getMe and
 * commands → health (standby) → wait for the polling lease → scheduler and polling (active); see
 * polling/supervisor.ts. SIGTERM/SIGINT: the supervisor steps down (polling stopped, offset
 * confirmed, handover recorded, lease released), then the scheduler's grace, health and database
 * close, exit 0. A startup failure exits 1 with one line.
 */
import type { DataSource } from "typeorm";
import { ConfigError, loadConfig, secretsOf } from "./config/config.js";
import type { Config } from "./config/config.js";
import { createLogger } from "./logging/logger.js";
import type { Logger } from "./logging/logger.js";
import { redactSecrets } from "./logging/redact.js";
import { connectDatabase } from "./database.js";
import { pgClientConfig, runMigrations } from "./db/index.js";
import { createBot, setCommands } from "./bot.js";
import { createSend, deliveryApi } from "./delivery.js";
import { startHealthServer } from "./health/server.js";
import type { HealthServer } from "./health/server.js";
import { PollTracker } from "./health/poll-tracker.js";
import { parser } from "./parser.js";
import { createReminderService } from "./services/reminders.js";
import { createUserService } from "./services/users.js";
import { PendingInputs } from "./services/pending.js";
import { createScheduler } from "./scheduler/index.js";
import { acquireLease } from "./polling/lease.js";
import { handledUpdatesStore } from "./polling/handled-updates.js";
import { handoverStore } from "./polling/handover-record.js";
import { InFlight } from "./polling/in-flight.js";
import { PollingSupervisor } from "./polling/supervisor.js";
import { hostname } from "node:os";

const STOP_TIMEOUT_MS = 10_000;
/** Updates handled at once; the runner keeps each chat's updates in order (sequentialize). */
const CONCURRENCY = 8;

function fail(line: string, secrets: string[]): never {
  process.stderr.write(`${redactSecrets(line, secrets).split("\n")[0]}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, []);
    throw err;
  }
  const secrets = secretsOf(config);
  const logger: Logger = createLogger({ level: config.logLevel, production: config.production, secrets });
  logger.info("starting", { release: config.release, apiRoot: config.telegramApiRoot });

  let ds: DataSource | undefined;
  // Filled in as the parts start; shutdown stops whatever is there.
  const parts: { health?: HealthServer; supervisor?: PollingSupervisor } = {};
  let stopping = false;

  const shutdown = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal });
    // Step-down (bounded drain), then the scheduler's grace: both within the hard limit.
    const hard = setTimeout(
      () => {
        logger.error("stop took too long, exiting");
        process.exit(1);
      },
      2 * STOP_TIMEOUT_MS + 5000,
    );
    hard.unref();
    try {
      // Releases the lease before the scheduler's grace, so the successor polls meanwhile.
      await parts.supervisor?.stop();
      await parts.health?.close();
      await ds?.destroy();
      logger.info("stopped");
      await Promise.race([new Promise((r) => logger.on("finish", r).end()), new Promise((r) => setTimeout(r, 500))]);
      process.exit(code);
    } catch (err) {
      logger.error("stop failed", { error: (err as Error).message });
      process.exit(1);
    }
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));

  try {
    ds = await connectDatabase({ url: config.databaseUrl, logger, attempts: 15, delayMs: 2000 });
    const ran = await runMigrations(ds);
    if (ran.length) logger.info("migrations applied", { ran });
  } catch (err) {
    logger.error("database failed", { error: (err as Error).message });
    fail(`startup: ${(err as Error).message}`, secrets);
  }
  const db = ds;

  const polls = new PollTracker();
  const inFlight = new InFlight();
  const handled = handledUpdatesStore(db);
  const users = createUserService(db);
  const deps = {
    users,
    reminders: createReminderService(db),
    parser,
    pending: new PendingInputs(),
    logger,
    now: () => new Date(),
  };
  const { bot, i18n } = createBot(config.botToken, deps, {
    apiRoot: config.telegramApiRoot,
    polls,
    inFlight,
    handled,
    status: {
      adminChatIds: config.adminChatIds,
      release: config.release,
      startedAt: Date.now(),
      now: deps.now,
      dueBetween: deps.reminders.dueBetween,
      reportFile: config.watchStatusFile,
    },
  });

  try {
    await bot.init(); // getMe: a wrong token ends here
    await setCommands(bot.api, i18n);
  } catch (err) {
    logger.error("telegram refused the bot", { error: (err as Error).message });
    await db.destroy().catch(() => undefined);
    fail(`startup: telegram: ${(err as Error).message}`, secrets);
  }
  logger.info("bot ready", { username: bot.botInfo.username });

  const api = deliveryApi(config.botToken, config.telegramApiRoot);
  const send = createSend(api, {
    i18n,
    formatDue: parser.formatDue,
  });
  const instanceId = `${hostname()}:${process.pid}`;
  const startScheduler = async () => {
    const sched = createScheduler({
      dataSource: db,
      send,
      instanceId,
      logger,
      applyQuietHours: parser.applyQuietHours,
      // Just under Telegram's limits (about 30 messages a second, 1 a second per chat); a 429 holds
      // its chat (or all) for retry_after and lowers the pace, which creeps back up to this ceiling.
      rateLimit: { perSecond: 29.5, perChatPerSecond: 1 },
    });
    await sched.start();
    return sched;
  };

  const supervisor = new PollingSupervisor({
    bot,
    acquire: (signal) => acquireLease({ client: pgClientConfig(db), signal }),
    handover: handoverStore(db),
    handled,
    inFlight,
    startScheduler,
    logger,
    instance: `${config.release}@${instanceId}`,
    runOptions: {
      runner: { fetch: { allowed_updates: ["message", "callback_query", "my_chat_member"] } },
      sink: { concurrency: CONCURRENCY },
    },
    drainMs: STOP_TIMEOUT_MS,
    schedulerGraceMs: STOP_TIMEOUT_MS,
    polls,
  });

  if (stopping) return;
  parts.health = await startHealthServer({
    port: config.healthPort,
    pingDb: async () => void (await db.query("SELECT 1")),
    lastPollAt: () => polls.lastAliveAt(),
    role: () => supervisor.role(),
    // getMe succeeded above, or the process has exited.
    botReady: () => true,
    handover: () => supervisor.handover(),
    release: config.release,
  });
  logger.info("running", { healthPort: parts.health.port });

  if (stopping) return;
  parts.supervisor = supervisor;
  supervisor.run().catch(() => void shutdown("polling failed", 1));
}

main().catch((err: unknown) => {
  process.stderr.write(`startup: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}\n`);
  process.exit(1);
});
