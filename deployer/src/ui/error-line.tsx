/** An expected failure: one line; `d` shows the details (never a stack trace up front). */
import { Box, Text } from "ink";
import { useState } from "react";
import { tint } from "./theme.js";
import { useKeys } from "./key-queue.js";

export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}

function errorDetails(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const rest = error.message.split("\n").slice(1).join("\n");
  const cause = error.cause === undefined ? "" : `cause: ${errorMessage(error.cause)}`;
  return [rest, cause, error.stack ?? ""].filter(Boolean).join("\n");
}

export function ErrorLine({ error, active = true }: { error: unknown; active?: boolean }) {
  const [open, setOpen] = useState(false);
  useKeys(
    (input) => {
      if (input === "d") setOpen((o) => !o);
    },
    { isActive: active },
  );
  return (
    <Box flexDirection="column">
      <Text color={tint("red")}>
        ✖ {errorMessage(error)} <Text dimColor>(d: {open ? "hide" : "details"})</Text>
      </Text>
      {open ? <Text dimColor>{errorDetails(error)}</Text> : null}
    </Box>
  );
}
