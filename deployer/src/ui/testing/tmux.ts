/** A program on a real terminal, driven as a person would: tmux starts it, reads the screen, presses keys. */
import { spawnSync } from "node:child_process";

export const tmuxInstalled = (): boolean => spawnSync("tmux", ["-V"]).status === 0;

function tmux(...args: string[]): string {
  const r = spawnSync("tmux", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

export class TmuxSession {
  constructor(readonly name: string) {}

  /** Runs `command` (a shell line) in a detached terminal of that size. */
  start(command: string, size: { cols: number; rows: number }): void {
    tmux("new-session", "-d", "-s", this.name, "-x", String(size.cols), "-y", String(size.rows), command);
  }

  /** The screen as text. */
  pane(): string {
    return tmux("capture-pane", "-p", "-t", this.name);
  }

  /** Keys in tmux's names ("Enter", "C-c", "-l" then literal text). */
  press(...keys: string[]): void {
    tmux("send-keys", "-t", this.name, ...keys);
  }

  /** Polls the screen until `check` holds (bounded; no fixed sleeps); throws with the screen after timeoutMs. */
  async waitFor(check: (screen: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.pane();
      if (check(screen)) return screen;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; the screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  waitText(text: string, timeoutMs?: number): Promise<string> {
    return this.waitFor((s) => s.includes(text), `"${text}"`, timeoutMs);
  }

  /** Ends the session if it is there. */
  kill(): void {
    spawnSync("tmux", ["kill-session", "-t", this.name]);
  }
}
