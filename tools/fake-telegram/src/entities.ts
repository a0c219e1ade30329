/** Entities Telegram adds or adjusts on its own (pure). */
import type { MessageEntity } from "./types.ts";

/** `bot_command` entities for /commands at the start of the text or after whitespace, as Telegram adds them. */
export function commandEntities(text: string): MessageEntity[] {
  const out: MessageEntity[] = [];
  const re = /(^|\s)(\/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,32})?)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const lead = m[1] ?? "";
    const command = m[2] ?? "";
    out.push({ type: "bot_command", offset: m.index + lead.length, length: command.length });
  }
  return out;
}

/** Telegram trims a message's surrounding whitespace; entity offsets follow. */
export function trimMessage(m: { text: string; entities: MessageEntity[] }): {
  text: string;
  entities: MessageEntity[];
} {
  const lead = m.text.length - m.text.trimStart().length;
  const text = m.text.trim();
  if (lead === 0 && text.length === m.text.length) return m;
  const entities = m.entities
    .map((e) => {
      const start = Math.max(0, e.offset - lead);
      const end = Math.min(text.length, e.offset + e.length - lead);
      return { ...e, offset: start, length: end - start };
    })
    .filter((e) => e.length > 0);
  return { text, entities };
}
