/** Backups: list with size and age; create now, download with a byte progress bar, restore after typing the target's name. */
import { Box, Text } from "ink";
import { useState } from "react";
import type { BackupInfo, TargetSession } from "../engine/api.js";
import type { TaskResult } from "../engine/events.js";
import { formatBytes } from "../format.js";
import { ErrorLine } from "./error-line.js";
import { SelectList } from "./list.js";
import { TaskProgress } from "./progress-view.js";
import { TextPrompt } from "./text-prompt.js";
import { tint } from "./theme.js";
import { useLoad } from "./use-load.js";
import { useKeys } from "./key-queue.js";

export function age(iso: string, now = Date.now()): string {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return "?";
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  return h < 48 ? `${h} h ago` : `${Math.round(h / 24)} d ago`;
}

export function ProgressBar({ done, total, width = 30 }: { done: number; total: number; width?: number }) {
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const full = Math.round(ratio * width);
  return (
    <Text>
      [<Text color={tint("green")}>{"█".repeat(full)}</Text>
      {"░".repeat(width - full)}] {formatBytes(done)} / {formatBytes(total)}
    </Text>
  );
}

type Mode =
  | { kind: "list" }
  | { kind: "create" }
  | { kind: "confirm-restore"; backup: BackupInfo; wrong?: boolean }
  | { kind: "restore"; backup: BackupInfo }
  | { kind: "download"; backup: BackupInfo; done: number; total: number; finished?: string; error?: unknown };

export function BackupsScreen({
  session,
  downloadDir,
  onBack,
  onHelp,
  onBusy,
  onFinished,
}: {
  session: TargetSession;
  /** Where downloads go; the screen does not choose paths itself. */
  downloadDir: (name: string) => Promise<string>;
  onBack: () => void;
  onHelp: () => void;
  onBusy: (busy: boolean) => void;
  onFinished: (result: TaskResult) => void;
}) {
  const loaded = useLoad(() => session.backups());
  const [mode, setMode] = useState<Mode>({ kind: "list" });
  const [cursor, setCursor] = useState(0);
  const backups = loaded.data ?? [];
  const selected = backups[cursor];
  const toList = () => {
    setMode({ kind: "list" });
    loaded.reload();
  };

  const download = (backup: BackupInfo) => {
    setMode({ kind: "download", backup, done: 0, total: backup.sizeBytes });
    onBusy(true);
    void downloadDir(backup.name)
      .then((path) =>
        session
          .pullBackup(backup.name, path, (done, total) =>
            setMode((m) => (m.kind === "download" ? { ...m, done, total } : m)),
          )
          .then(() => setMode((m) => (m.kind === "download" ? { ...m, finished: path } : m))),
      )
      .catch((error: unknown) => setMode((m) => (m.kind === "download" ? { ...m, error } : m)))
      .finally(() => onBusy(false));
  };

  useKeys(
    (input, key) => {
      if (mode.kind === "download") {
        if ((mode.finished || mode.error !== undefined) && (key.escape || key.return || input === "q")) toList();
        return;
      }
      if (key.escape || input === "q") onBack();
      else if (input === "?") onHelp();
      else if (input === "n") setMode({ kind: "create" });
      else if (input === "d" && selected) download(selected);
      else if (input === "r" && selected) setMode({ kind: "confirm-restore", backup: selected });
    },
    { isActive: mode.kind === "list" || mode.kind === "download" },
  );

  if (mode.kind === "create")
    return (
      <TaskProgress
        title="backup"
        start={(sink, signal) => session.createBackup(sink, signal)}
        onBack={toList}
        onBusy={onBusy}
        onFinished={onFinished}
      />
    );
  if (mode.kind === "restore")
    return (
      <TaskProgress
        title={`restore ${mode.backup.name}`}
        start={(sink, signal) => session.restoreBackup(mode.backup.name, sink, signal)}
        onBack={toList}
        onBusy={onBusy}
        onFinished={onFinished}
      />
    );
  if (mode.kind === "confirm-restore") {
    const target = session.target.name;
    return (
      <Box flexDirection="column">
        <Text color={tint("yellow")}>
          Restore {mode.backup.name} on {target}? The database is replaced (a safety backup is taken first).
        </Text>
        {mode.wrong ? <Text color={tint("red")}>That is not the target's name; nothing was done.</Text> : null}
        <TextPrompt
          label={`Type the target's name (${target}) to go on:`}
          onSubmit={(v) =>
            v.trim() === target ? setMode({ kind: "restore", backup: mode.backup }) : setMode({ ...mode, wrong: true })
          }
          onCancel={() => setMode({ kind: "list" })}
        />
      </Box>
    );
  }
  if (mode.kind === "download")
    return (
      <Box flexDirection="column">
        <Text>Downloading {mode.backup.name}</Text>
        <ProgressBar done={mode.done} total={mode.total} />
        {mode.finished ? <Text color={tint("green")}>✔ saved to {mode.finished}</Text> : null}
        {mode.error !== undefined ? <ErrorLine error={mode.error} /> : null}
        {mode.finished || mode.error !== undefined ? <Text dimColor>Enter/Esc: back</Text> : null}
      </Box>
    );

  return (
    <Box flexDirection="column">
      {loaded.error !== undefined ? <ErrorLine error={loaded.error} /> : null}
      {!loaded.data && loaded.error === undefined ? <Text dimColor>Reading backups…</Text> : null}
      {loaded.data && backups.length === 0 ? <Text>No backups yet: n creates one.</Text> : null}
      <SelectList<BackupInfo>
        items={backups}
        onCursor={setCursor}
        onChoose={() => undefined}
        render={(b) => (
          <>
            {b.name}{" "}
            <Text dimColor>
              {formatBytes(b.sizeBytes).padStart(10)} {age(b.createdAt)}
              {b.rule ? `  kept: ${b.rule}` : ""}
            </Text>
          </>
        )}
      />
      <Text dimColor>n create now · d download · r restore · Esc back</Text>
    </Box>
  );
}
