/** The grammY context the bot's features see, and the dependencies they are built with. */
import type { Context } from "grammy";
import type { I18nFlavor } from "@grammyjs/i18n";
import type { User } from "./db/index.js";
import type { Logger } from "./logging/logger.js";
import type { Action } from "./services/callback-data.js";
import type { PendingInputs } from "./services/pending.js";
import type { ReminderService } from "./services/reminders.js";
import type { TimeParser } from "./services/time-parser.js";
import type { UserService } from "./services/users.js";

export type BotContext = Context &
  I18nFlavor & {
    /** The acting user's row (loaded for every update that has a sender). */
    user?: User;
    /** The decoded inline-button payload, when the update is a valid callback query. */
    action?: Action;
  };

export interface BotDeps {
  users: UserService;
  reminders: ReminderService;
  parser: TimeParser;
  pending: PendingInputs;
  logger: Logger;
  /** Injected clock. */
  now: () => Date;
}
