/** The fake Telegram Bot API in-process: start it, build updates, read its records (the HTTP client: `@remindbot/fake-telegram/client`). */
export { FakeBotApi, startFakeBotApi } from "./server.ts";
export { callbackQuery, location, message } from "./builders.ts";
export type { UserOptions } from "./builders.ts";
export { isMessageTo } from "./calls.ts";
export type * from "./types.ts";
