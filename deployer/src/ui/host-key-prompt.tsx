/** An unknown host key: show the SHA256 fingerprint, trust it only on an explicit yes. */
import { Box, Text } from "ink";
import type { UnknownHostKey } from "../engine/api.js";
import { tint } from "./theme.js";
import { useKeys } from "./key-queue.js";

export function HostKeyPrompt({ hostKey, onAnswer }: { hostKey: UnknownHostKey; onAnswer: (trust: boolean) => void }) {
  useKeys((input, key) => {
    if (input === "y" || input === "Y") onAnswer(true);
    else if (input === "n" || input === "N" || key.escape) onAnswer(false);
  });
  return (
    <Box flexDirection="column">
      <Text color={tint("yellow")}>
        The host key of {hostKey.host}:{hostKey.port} is not known yet.
      </Text>
      <Text>Fingerprint: {hostKey.fingerprint}</Text>
      <Text>Trust it and remember it in known_hosts? (y/n)</Text>
    </Box>
  );
}
