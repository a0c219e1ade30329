// The bot's version, shown in logs at start; the image sets BOT_RELEASE to the deployed tag.
export function botRelease(env: NodeJS.ProcessEnv = process.env): string {
  return env.BOT_RELEASE?.trim() || "dev";
}
