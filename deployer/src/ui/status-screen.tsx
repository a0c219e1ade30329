/** Status: containers, release, disk, backups; refreshes every few seconds. */
import { Box, Text, useInput } from "ink";
import type { ServerStatus, TargetSession } from "../engine/api.js";
import { ErrorLine } from "./error-line.js";
import { useScreenKeys, type ScreenProps } from "./keys.js";
import { tint } from "./theme.js";
import { useLoad } from "./use-load.js";

export const STATUS_REFRESH_MS = 3000;

export function StatusTable({ status }: { status: ServerStatus }) {
  return (
    <Box flexDirection="column">
      <Text bold>
        {"SERVICE".padEnd(10)}
        {"STATE".padEnd(10)}
        {"HEALTH".padEnd(11)}
        {"UPTIME".padEnd(12)}
        {"RESTARTS".padEnd(9)}
        {"CPU".padEnd(8)}MEMORY
      </Text>
      {status.containers.length === 0 ? <Text dimColor>no containers running</Text> : null}
      {status.containers.map((c) => (
        <Text key={c.service} wrap="truncate-end">
          {c.service.padEnd(10)}
          <Text color={tint(c.state === "running" ? "green" : "red")}>{c.state.padEnd(10)}</Text>
          <Text color={tint(c.health === "healthy" ? "green" : "yellow")}>{(c.health || "—").padEnd(11)}</Text>
          {c.uptime.padEnd(12)}
          {String(c.restarts).padEnd(9)}
          {c.cpu.padEnd(8)}
          {c.memory}
        </Text>
      ))}
      <Text> </Text>
      <Text>Release: {status.currentRelease ?? "none"}</Text>
      <Text>Disk free: {status.diskFree}</Text>
      <Text>
        Last backup: {status.lastBackup ?? "none"} · next: {status.nextBackup ?? "not scheduled"}
      </Text>
      {status.lock ? (
        <Text color={tint("yellow")}>
          Locked by {status.lock.by} since {status.lock.at} ({status.lock.action}
          {status.lock.tag ? ` ${status.lock.tag}` : ""})
        </Text>
      ) : null}
    </Box>
  );
}

export function StatusScreen({
  session,
  refreshMs = STATUS_REFRESH_MS,
  ...keys
}: ScreenProps & { session: Pick<TargetSession, "status">; refreshMs?: number }) {
  const loaded = useLoad(() => session.status(), refreshMs);
  useScreenKeys(keys);
  useInput((input) => {
    if (input === "r") loaded.reload();
  });
  return (
    <Box flexDirection="column">
      {loaded.data ? (
        <StatusTable status={loaded.data} />
      ) : loaded.error === undefined ? (
        <Text dimColor>Reading status…</Text>
      ) : null}
      {loaded.error !== undefined ? <ErrorLine error={loaded.error} /> : null}
      <Text dimColor>
        refreshes every {Math.round(refreshMs / 1000)} s{loaded.loading ? " · refreshing…" : ""} · r refresh · Esc back
      </Text>
    </Box>
  );
}
