/**
 * The bot's tables as TypeORM entity schemas (no decorators, so no emitted metadata is needed under
 * tsx/esbuild). Each name is both the row type and the schema: `ds.getRepository(Reminder)` is a
 * `Repository<Reminder>`. Column types are explicit; the migrations own the actual DDL.
 */
import { EntitySchema } from "typeorm";
import type { Recurrence } from "../parse/types.js";
import { bigintTransformer } from "./bigint.js";

export type Lang = "ru" | "en";

export const REMINDER_STATUSES = ["draft", "active", "paused", "done", "failed", "cancelled", "inactive"] as const;
export type ReminderStatus = (typeof REMINDER_STATUSES)[number];

export interface User {
  /** Telegram user id. */
  id: number;
  lang: Lang;
  /** IANA zone; null until the user chose one. */
  zone: string | null;
  /** Minutes after local midnight; the window may span midnight. */
  quietStart: number | null;
  quietEnd: number | null;
  /** The user blocked the bot (Telegram answered 403). */
  blocked: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface Reminder {
  id: number;
  /** Author (Telegram user id). */
  userId: number;
  /** Where it is delivered: the private chat or the group. */
  chatId: number;
  chatType: string;
  /** For the mention in groups. */
  authorName: string | null;
  text: string;
  zone: string;
  recurrence: Recurrence | null;
  urgent: boolean;
  status: ReminderStatus;
  /** Next delivery instant, quiet hours already applied. */
  dueAt: Date;
  claimedBy: string | null;
  claimedUntil: Date | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Delivery {
  id: number;
  reminderId: number;
  /** The occurrence delivered. */
  dueAt: Date;
  sentAt: Date;
  /** Sent more than a minute after dueAt. */
  late: boolean;
  messageId: number | null;
  /** Set when the delivered message's snooze was used (to the time snoozed to): it snoozes once. */
  snoozedUntil: Date | null;
}

const id = { type: "bigint", primary: true, transformer: bigintTransformer } as const;
const createdAt = { type: "timestamptz", name: "created_at", createDate: true } as const;
const updatedAt = { type: "timestamptz", name: "updated_at", updateDate: true } as const;

export const User = new EntitySchema<User>({
  name: "User",
  tableName: "users",
  columns: {
    id,
    lang: { type: "text", default: "en" },
    zone: { type: "text", nullable: true },
    quietStart: { type: "smallint", name: "quiet_start", nullable: true },
    quietEnd: { type: "smallint", name: "quiet_end", nullable: true },
    blocked: { type: "boolean", default: false },
    createdAt,
    updatedAt,
  },
});

export const Reminder = new EntitySchema<Reminder>({
  name: "Reminder",
  tableName: "reminders",
  columns: {
    id: { ...id, generated: "increment" },
    userId: { type: "bigint", name: "user_id", transformer: bigintTransformer },
    chatId: { type: "bigint", name: "chat_id", transformer: bigintTransformer },
    chatType: { type: "text", name: "chat_type" },
    authorName: { type: "text", name: "author_name", nullable: true },
    text: { type: "text" },
    zone: { type: "text" },
    recurrence: { type: "jsonb", nullable: true },
    urgent: { type: "boolean", default: false },
    status: { type: "text" },
    dueAt: { type: "timestamptz", name: "due_at" },
    claimedBy: { type: "text", name: "claimed_by", nullable: true },
    claimedUntil: { type: "timestamptz", name: "claimed_until", nullable: true },
    attempts: { type: "int", default: 0 },
    lastError: { type: "text", name: "last_error", nullable: true },
    createdAt,
    updatedAt,
  },
});

export const Delivery = new EntitySchema<Delivery>({
  name: "Delivery",
  tableName: "deliveries",
  columns: {
    id: { ...id, generated: "increment" },
    reminderId: { type: "bigint", name: "reminder_id", transformer: bigintTransformer },
    dueAt: { type: "timestamptz", name: "due_at" },
    sentAt: { type: "timestamptz", name: "sent_at" },
    late: { type: "boolean" },
    messageId: { type: "bigint", name: "message_id", nullable: true, transformer: bigintTransformer },
    snoozedUntil: { type: "timestamptz", name: "snoozed_until", nullable: true },
  },
});

export const entities = [User, Reminder, Delivery];
