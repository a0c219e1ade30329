/** The fake's command line (pure): `--host H --port P [--token T]... [--max-calls N] [--rate-limit G,C] [--bot-username U]`. */
import type { FakeBotApiOptions } from "./types.ts";

/** Options from argv; throws one line on a bad or unknown option. Defaults: 127.0.0.1:8081. */
export function parseCliArgs(argv: string[]): FakeBotApiOptions {
  const opts: FakeBotApiOptions = { host: "127.0.0.1", port: 8081 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const need = (): string => {
      if (value === undefined || value.startsWith("--")) throw new Error(`${String(flag)} needs a value`);
      i++;
      return value;
    };
    const int = (v: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${String(flag)} must be a non-negative integer, got "${v}"`);
      return n;
    };
    if (flag === "--host") opts.host = need();
    else if (flag === "--port") opts.port = int(need());
    else if (flag === "--token") (opts.tokens ??= []).push(need());
    else if (flag === "--max-calls") opts.maxCalls = int(need());
    else if (flag === "--bot-username") opts.botUsername = need();
    else if (flag === "--rate-limit") {
      const [global, perChat] = need().split(",");
      opts.rateLimit = { global: int(global ?? ""), perChat: int(perChat ?? "") };
    } else
      throw new Error(
        `unknown option ${String(flag)} (expected --host, --port, --token, --max-calls, --rate-limit, --bot-username)`,
      );
  }
  return opts;
}
