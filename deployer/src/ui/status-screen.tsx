/** Status: containers, release, disk, backups; refreshes every few seconds. */
import { Box, Text } from "ink";
import { useState } from "react";
import { describeWatch } from "../commands/watch.js";
import type { ServerStatus, TargetSession } from "../engine/api.js";
import { ErrorLine } from "./error-line.js";
import { useScreenKeys, type ScreenProps } from "./keys.js";
import { tint } from "./theme.js";
import { useLoad } from "./use-load.js";
import { useKeys } from "./key-queue.js";

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
      {status.warning ? <Text color={tint("yellow")}>! {status.warning}</Text> : null}
      <Text>Disk free: {status.diskFree}</Text>
      {status.clock ? (
        <Text color={status.clock.synchronized ? undefined : tint("yellow")}>
          {status.clock.synchronized ? "" : "! "}Clock: {status.clock.text}
        </Text>
      ) : null}
      <Text>
        Last backup: {status.lastBackup ?? "none"} · next: {status.nextBackup ?? "not scheduled"}
      </Text>
      {describeWatch(status.watch).map((line, i) => (
        <Text
          key={`watch-${i}`}
          wrap="truncate-end"
          color={/^ {2}critical/.test(line) ? tint("red") : /^ {2}warning/.test(line) ? tint("yellow") : undefined}
        >
          {line}
        </Text>
      ))}
      {status.offsite ? (
        <Text {...(status.offsite.startsWith("ok") ? {} : { color: tint("red") })}>
          Off-site copy: {status.offsite}
        </Text>
      ) : null}
      {status.lastDrill ? (
        <Text {...(status.lastDrill.startsWith("ok") ? {} : { color: tint("red") })}>
          Restore drill: {status.lastDrill}
        </Text>
      ) : null}
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
}: ScreenProps & { session: Pick<TargetSession, "status" | "unlock">; refreshMs?: number }) {
  const loaded = useLoad(() => session.status(), refreshMs);
  const [unlock, setUnlock] = useState<"ask" | "busy" | { error: unknown } | undefined>(undefined);
  useScreenKeys(keys, unlock !== "ask");
  useKeys((input, key) => {
    if (unlock === "ask") {
      if (input === "y") {
        setUnlock("busy");
        session.unlock().then(
          () => {
            setUnlock(undefined);
            loaded.reload();
          },
          (error: unknown) => setUnlock({ error }),
        );
      } else if (input === "n" || key.escape) setUnlock(undefined);
      return;
    }
    if (input === "r") loaded.reload();
    else if (input === "u" && loaded.data?.lock) setUnlock("ask");
  });
  return (
    <Box flexDirection="column">
      {loaded.data ? (
        <StatusTable status={loaded.data} />
      ) : loaded.error === undefined ? (
        <Text dimColor>Reading status…</Text>
      ) : null}
      {loaded.error !== undefined ? <ErrorLine error={loaded.error} /> : null}
      {unlock === "ask" ? (
        <Text color={tint("yellow")}>Remove the deploy lock? Only when no deploy is running. (y/n)</Text>
      ) : null}
      {unlock === "busy" ? <Text dimColor>Removing the lock…</Text> : null}
      {typeof unlock === "object" ? <ErrorLine error={unlock.error} /> : null}
      {loaded.data?.lock ? <Text dimColor>u: remove the lock</Text> : null}
      <Text dimColor>
        refreshes every {Math.round(refreshMs / 1000)} s{loaded.loading ? " · refreshing…" : ""} · r refresh · Esc back
      </Text>
    </Box>
  );
}
