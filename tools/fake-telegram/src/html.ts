/** Telegram's HTML parse mode, checked like Telegram: text and entities, or its "can't parse entities" errors (pure). */
import { bad, type ApiError } from "./errors.ts";
import type { MessageEntity } from "./types.ts";

/** Telegram's HTML tags (td's parse_html); tag -> entity type. */
const HTML_TAGS: Record<string, string> = {
  a: "text_link",
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
  span: "spoiler",
  "tg-emoji": "custom_emoji",
  code: "code",
  pre: "pre",
  blockquote: "blockquote",
};

const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

const isSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\n" || c === "\r";

/** Decodes `&...;` at i like Telegram (lt, gt, amp, quot, numeric); unknown ones stay text. */
function decodeEntityAt(s: string, i: number): { char: string; end: number } | undefined {
  const m = /^&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,4});/.exec(s.slice(i, i + 12));
  if (!m || m[1] === undefined) return undefined;
  const name = m[1];
  let char: string | undefined;
  if (name.startsWith("#x")) char = safeCodePoint(parseInt(name.slice(2), 16));
  else if (name.startsWith("#")) char = safeCodePoint(parseInt(name.slice(1), 10));
  else char = NAMED_ENTITIES[name];
  return char === undefined ? undefined : { char, end: i + m[0].length };
}

function safeCodePoint(n: number): string | undefined {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : undefined;
}

const byteOffset = (s: string, i: number): number => Buffer.byteLength(s.slice(0, i), "utf8");

/**
 * Parses Telegram's HTML parse mode: plain text and entities, or an ApiError with Telegram's
 * "can't parse entities" text (unknown tags, unbalanced or mismatched tags, unclosed tags).
 */
export function parseHtml(html: string): { text: string; entities: MessageEntity[] } {
  const fail = (why: string): ApiError => bad(`can't parse entities: ${why}`);
  const stack: Array<{ tag: string; start: number; attrs: Record<string, string> }> = [];
  const entities: MessageEntity[] = [];
  let text = "";
  let i = 0;
  while (i < html.length) {
    const c = html[i] as string;
    if (c === "&") {
      const decoded = decodeEntityAt(html, i);
      text += decoded ? decoded.char : "&";
      i = decoded ? decoded.end : i + 1;
      continue;
    }
    if (c !== "<") {
      text += c;
      i++;
      continue;
    }
    const begin = i;
    i++;
    if (html[i] !== "/") {
      const nameStart = i;
      while (i < html.length && !isSpace(html[i]) && html[i] !== ">") i++;
      if (i >= html.length) throw fail(`Unclosed start tag at byte offset ${byteOffset(html, begin)}`);
      const tag = html.slice(nameStart, i).toLowerCase();
      if (HTML_TAGS[tag] === undefined) {
        throw fail(`Unsupported start tag "${tag}" at byte offset ${byteOffset(html, begin)}`);
      }
      const attrs: Record<string, string> = {};
      while (html[i] !== ">") {
        while (isSpace(html[i])) i++;
        if (i >= html.length) throw fail(`Unclosed start tag at byte offset ${byteOffset(html, begin)}`);
        if (html[i] === ">") break;
        const attrStart = i;
        while (i < html.length && !isSpace(html[i]) && html[i] !== "=" && html[i] !== ">") i++;
        const attr = html.slice(attrStart, i).toLowerCase();
        if (attr === "") {
          throw fail(`Empty attribute name in the tag "${tag}" at byte offset ${byteOffset(html, attrStart)}`);
        }
        while (isSpace(html[i])) i++;
        if (html[i] !== "=") {
          if (html[i] === ">" || isSpace(html[i])) {
            attrs[attr] = ""; // a bare attribute, such as <blockquote expandable>
            continue;
          }
          throw fail(`Unclosed start tag at byte offset ${byteOffset(html, begin)}`);
        }
        i++;
        while (isSpace(html[i])) i++;
        if (i >= html.length) throw fail(`Unclosed start tag at byte offset ${byteOffset(html, begin)}`);
        const quote = html[i];
        let value = "";
        if (quote === '"' || quote === "'") {
          i++;
          while (i < html.length && html[i] !== quote) {
            const decoded = html[i] === "&" ? decodeEntityAt(html, i) : undefined;
            value += decoded ? decoded.char : html[i];
            i = decoded ? decoded.end : i + 1;
          }
          if (i >= html.length) throw fail(`Unclosed start tag at byte offset ${byteOffset(html, begin)}`);
          i++;
        } else {
          while (i < html.length && !isSpace(html[i]) && html[i] !== ">") value += html[i++];
        }
        attrs[attr] = value;
      }
      i++; // '>'
      if (tag === "span" && attrs["class"] !== "tg-spoiler") {
        throw fail(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(html, begin)}`);
      }
      stack.push({ tag, start: text.length, attrs });
      continue;
    }
    // an end tag
    i++;
    const nameStart = i;
    while (i < html.length && !isSpace(html[i]) && html[i] !== ">") i++;
    const tag = html.slice(nameStart, i).toLowerCase();
    while (isSpace(html[i])) i++;
    if (html[i] !== ">") throw fail(`Unclosed end tag at byte offset ${byteOffset(html, begin)}`);
    i++;
    const open = stack.pop();
    if (!open) throw fail(`Unexpected end tag at byte offset ${byteOffset(html, begin)}`);
    if (tag !== "" && tag !== open.tag) {
      throw fail(
        `Unmatched end tag at byte offset ${byteOffset(html, begin)}, expected "</${open.tag}>", found "</${tag}>"`,
      );
    }
    const length = text.length - open.start;
    if (length > 0) entities.push(entityFor(open.tag, open.start, length, open.attrs));
  }
  const unclosed = stack.pop();
  if (unclosed) throw fail(`Can't find end tag corresponding to start tag "${unclosed.tag}"`);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}

function entityFor(tag: string, offset: number, length: number, attrs: Record<string, string>): MessageEntity {
  const type = HTML_TAGS[tag] ?? "bold";
  if (tag === "a") return { type, offset, length, url: attrs["href"] ?? "" };
  if (tag === "tg-emoji") return { type, offset, length, custom_emoji_id: attrs["emoji-id"] ?? "" };
  if (tag === "blockquote" && "expandable" in attrs) return { type: "expandable_blockquote", offset, length };
  return { type, offset, length };
}
