/**
 * Creating a reminder from natural text (private chats: any text; groups: /remind ...), the
 * draft's confirm / change / cancel buttons and the time-picking buttons. Also the edit of an
 * existing reminder (its new text arrives as a plain message after the list's edit button).
 */
import { Composer } from "grammy";
import type { BotContext, BotDeps } from "../context.js";
import type { Reminder } from "../db/index.js";
import { MAX_ACTIVE_REMINDERS, MAX_TEXT_LENGTH } from "../services/limits.js";
import { decide, withTimeOf } from "../services/drafting.js";
import type { Decision } from "../services/drafting.js";
import { displayName, escapeHtml } from "./html.js";
import { draftKeyboard, pickKeyboard } from "./keyboards.js";

export function createReminderFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const fmt = (ctx: BotContext, due: Date, zone: string) =>
    deps.parser.formatDue(due, zone, ctx.user?.lang ?? "en", deps.now());

  function draftText(ctx: BotContext, r: Reminder, quietMoved = false, zoneNote?: string): string {
    const repeat = r.recurrence
      ? ctx.t("draft-repeat", { repeat: deps.parser.describeRecurrence(r.recurrence, ctx.user?.lang ?? "en") })
      : "";
    const urgent = (r.urgent ? ctx.t("draft-urgent") : "") + (quietMoved ? ctx.t("draft-quiet-moved") : "");
    // An explicit zone: "09:00 по Москве = 11:00 yours".
    const due = fmt(ctx, r.dueAt, r.zone);
    const shown = zoneNote === undefined ? due : ctx.t("draft-zone", { there: escapeHtml(zoneNote), due });
    return ctx.t("draft", { text: escapeHtml(r.text), due: shown, repeat, urgent });
  }

  /** Replies for the decisions that store nothing. */
  async function refuse(ctx: BotContext, d: Decision, zone: string): Promise<boolean> {
    const html = { parse_mode: "HTML" } as const;
    switch (d.kind) {
      case "empty":
        await ctx.reply(ctx.t("empty-text"), html);
        return true;
      case "too-long":
        await ctx.reply(ctx.t("too-long", { max: String(MAX_TEXT_LENGTH), length: String(d.length) }), html);
        return true;
      case "no-time":
        await ctx.reply(ctx.t("no-time"), html);
        return true;
      case "past":
        await ctx.reply(ctx.t("past", { due: fmt(ctx, d.due, zone) }), html);
        return true;
      default:
        return false;
    }
  }

  async function handleText(ctx: BotContext, raw: string) {
    const user = ctx.user;
    if (!ctx.from || !ctx.chat || !user) return;
    if (!user.zone) {
      const group = ctx.chat.type !== "private";
      await ctx.reply(
        group ? ctx.t("group-need-start", { name: escapeHtml(displayName(ctx.from)) }) : ctx.t("need-zone"),
        {
          parse_mode: "HTML",
        },
      );
      return;
    }
    const zone = user.zone;
    const now = deps.now();
    const d = decide(
      raw,
      { lang: user.lang, zone, quiet: { start: user.quietStart, end: user.quietEnd } },
      deps.parser,
      now,
    );
    if (await refuse(ctx, d, zone)) return;

    const pending = deps.pending.get(ctx.from.id);
    if (pending?.kind === "edit" && ctx.chat.type === "private") {
      if (d.kind !== "ready") {
        await ctx.reply(ctx.t("no-time"), { parse_mode: "HTML" });
        return;
      }
      deps.pending.clear(ctx.from.id);
      const res = await deps.reminders.replace(
        pending.reminderId,
        ctx.from.id,
        { text: d.text, dueAt: d.due, recurrence: d.recurrence, urgent: d.urgent },
        now,
      );
      if (!res.ok) return void (await ctx.reply(ctx.t("expired")));
      if (res.reminder.status === "draft") {
        await ctx.reply(draftText(ctx, res.reminder, d.quietMoved), {
          parse_mode: "HTML",
          reply_markup: draftKeyboard(ctx.t, res.reminder.id),
        });
      } else {
        await ctx.reply(ctx.t("edited", { due: fmt(ctx, res.reminder.dueAt, zone) }));
      }
      return;
    }

    if (d.kind !== "ready" && d.kind !== "choose") return;
    const base = {
      userId: ctx.from.id,
      chatId: ctx.chat.id,
      chatType: ctx.chat.type,
      authorName: displayName(ctx.from),
      text: d.text,
      zone,
      recurrence: d.recurrence,
      urgent: d.kind === "ready" ? d.urgent : false,
    };
    const dueAt = d.kind === "ready" ? d.due : d.options[0]!;
    const res = await deps.reminders.createDraft({ ...base, dueAt }, now);
    if (!res.ok) {
      await ctx.reply(
        res.reason === "limit" ? ctx.t("limit-reached", { max: String(MAX_ACTIVE_REMINDERS) }) : ctx.t("no-time"),
        { parse_mode: "HTML" },
      );
      return;
    }
    if (d.kind === "ready") {
      await ctx.reply(draftText(ctx, res.reminder, d.quietMoved, d.zoneNote), {
        parse_mode: "HTML",
        reply_markup: draftKeyboard(ctx.t, res.reminder.id),
      });
      return;
    }
    const options = d.options.map((at) => ({ at, label: fmt(ctx, at, zone) }));
    const question =
      d.question === "needs-time"
        ? ctx.t("needs-time", { date: fmt(ctx, d.day ?? dueAt, zone).replace(/\s*\d{1,2}:\d{2}.*$/, "") })
        : d.doubt !== undefined
          ? ctx.t("doubt", { part: escapeHtml(d.doubt) })
          : ctx.t("ambiguous");
    await ctx.reply(`${escapeHtml(d.text)}\n${question}`, {
      parse_mode: "HTML",
      reply_markup: pickKeyboard(res.reminder.id, options, ctx.t),
    });
  }

  composer.command("remind", (ctx) => handleText(ctx, ctx.match));
  composer
    .chatType("private")
    .on("message:text")
    .filter(
      (ctx) => !ctx.message.text.startsWith("/"),
      (ctx) => handleText(ctx, ctx.message.text),
    );

  composer.filter(
    (ctx) => ["confirm", "change", "cancel", "pick"].includes(ctx.action?.op ?? ""),
    async (ctx) => {
      const a = ctx.action;
      if (!a || !ctx.from || !("id" in a)) return;
      const now = deps.now();
      const gone = () => ctx.answerCallbackQuery({ text: ctx.t("expired") });
      const owner = await deps.reminders.get(a.id);
      if (owner && owner.userId !== ctx.from.id)
        return void (await ctx.answerCallbackQuery({ text: ctx.t("not-yours") }));
      if (a.op === "confirm") {
        const res = await deps.reminders.confirm(a.id, ctx.from.id, now);
        if (!res.ok) {
          if (res.reason === "limit")
            return void (await ctx.answerCallbackQuery({
              text: ctx.t("limit-reached", { max: String(MAX_ACTIVE_REMINDERS) }),
              show_alert: true,
            }));
          if (res.reason === "past" && owner)
            return void (await ctx.answerCallbackQuery({
              text: ctx.t("past", { due: fmt(ctx, owner.dueAt, owner.zone) }).replace(/<[^>]+>/g, ""),
              show_alert: true,
            }));
          return void (await gone());
        }
        await ctx.answerCallbackQuery();
        await ctx.editMessageText(
          `${draftText(ctx, res.reminder).split("\n").slice(1, -1).join("\n")}\n${ctx.t("saved", { due: fmt(ctx, res.reminder.dueAt, res.reminder.zone) })}`,
          { parse_mode: "HTML" },
        );
      } else if (a.op === "cancel") {
        if (!(await deps.reminders.cancelDraft(a.id, ctx.from.id))) return void (await gone());
        await ctx.answerCallbackQuery();
        await ctx.editMessageText(ctx.t("cancelled"));
      } else if (a.op === "change") {
        if (owner?.status !== "draft") return void (await gone());
        deps.pending.set(ctx.from.id, { kind: "edit", reminderId: a.id });
        await ctx.answerCallbackQuery();
        await ctx.reply(ctx.t("change-prompt"));
      } else if (a.op === "pick") {
        const at = new Date(a.minutes * 60_000);
        if (!owner) return void (await gone());
        const res = await deps.reminders.pickTime(
          a.id,
          ctx.from.id,
          at,
          withTimeOf(owner.recurrence, at, owner.zone),
          now,
        );
        if (!res.ok) return void (await gone());
        await ctx.answerCallbackQuery();
        await ctx.editMessageText(draftText(ctx, res.reminder), {
          parse_mode: "HTML",
          reply_markup: draftKeyboard(ctx.t, res.reminder.id),
        });
      }
    },
  );

  return composer;
}
