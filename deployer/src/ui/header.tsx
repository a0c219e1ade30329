/** Always on top: target, host, user, connection, the release running, the bot's health. */
import { Box, Text } from "ink";
import type { ServerStatus, TargetSummary } from "../engine/api.js";
import { tint } from "./theme.js";

export type Connection = "connecting" | "connected" | "failed" | "idle";

export function Header({
  target,
  connection,
  status,
}: {
  target?: TargetSummary;
  connection: Connection;
  status?: ServerStatus;
}) {
  const bot = status?.containers.find((c) => c.service === "bot");
  // Connected but not answered yet: "…" (checking), not "—" (nothing there).
  const unknown = connection === "connected" && !status ? "…" : "—";
  const health = bot ? bot.health || bot.state : unknown;
  const healthColor = health === "healthy" ? "green" : health === unknown ? undefined : "yellow";
  const connColor = connection === "connected" ? "green" : connection === "failed" ? "red" : "yellow";
  return (
    <Box borderStyle="round" paddingX={1} flexDirection="column">
      <Text>
        <Text bold>deployer</Text>
        {target ? ` · ${target.name} · ${target.user}@${target.host}:${target.port}` : " · choose a target"}
        {" · "}
        <Text color={tint(connColor)}>{connection}</Text>
      </Text>
      <Text>
        release <Text bold>{status ? (status.currentRelease ?? "none") : unknown}</Text> · bot{" "}
        <Text color={healthColor ? tint(healthColor) : undefined}>{health}</Text>
        {status?.lock ? <Text color={tint("yellow")}> · locked by {status.lock.by}</Text> : null}
      </Text>
    </Box>
  );
}
