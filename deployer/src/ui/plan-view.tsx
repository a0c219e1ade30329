/** The plan before anything runs: steps, migrations, warnings; Enter or y confirms. */
import { Box, Text } from "ink";
import type { PlanView } from "../engine/api.js";
import { tint } from "./theme.js";
import { useKeys } from "./key-queue.js";

export function PlanConfirm({
  plan,
  onConfirm,
  onBack,
}: {
  plan: PlanView;
  onConfirm: () => void;
  onBack: () => void;
}) {
  useKeys((input, key) => {
    if (key.return || input === "y") onConfirm();
    else if (key.escape || input === "n" || input === "q") onBack();
  });
  return (
    <Box flexDirection="column">
      <Text bold>
        {plan.action}
        {plan.tag ? ` ${plan.tag}` : ""}: {plan.steps.length} steps
      </Text>
      {plan.steps.map((s, i) => (
        <Text key={s.id} wrap="truncate-end">
          {String(i + 1).padStart(2)}. {s.title}
        </Text>
      ))}
      {plan.migrationsUp.length > 0 ? <Text>Migrations to run: {plan.migrationsUp.join(", ")}</Text> : null}
      {plan.migrationsDown.length > 0 ? (
        <Text color={tint("yellow")}>
          ⚠ Migrations to revert (a backup is taken first): {plan.migrationsDown.join(", ")}
        </Text>
      ) : null}
      {plan.warnings.map((w, i) => (
        <Text key={i} color={tint("yellow")}>
          ⚠ {w}
        </Text>
      ))}
      <Text>
        <Text bold>Enter/y</Text> to {plan.action}, <Text bold>Esc/n</Text> to go back
      </Text>
    </Box>
  );
}
