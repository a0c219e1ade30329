/**
 * Provision's questions, asked before its plan (never a silent default): a swap file when RAM is
 * short of the stack's limits, password logins off (after a key login as the deploy user works),
 * unattended security upgrades. One question at a time; Enter answers, Esc/q goes back.
 */
import { Box, Text } from "ink";
import { useState } from "react";
import type { ProvisionOptions } from "../engine/api.js";
import { useKeys } from "./key-queue.js";
import { SelectList } from "./list.js";

interface Question {
  ask: string;
  hint: string;
  apply: (o: ProvisionOptions, yes: boolean) => ProvisionOptions;
}

export const PROVISION_QUESTIONS: Question[] = [
  {
    ask: "Add a swap file if RAM is short of what the stack may use?",
    hint: "sized by need (/swapfile); none is made when RAM is enough",
    apply: (o, yes) => (yes ? { ...o, swap: "auto" } : o),
  },
  {
    ask: "Turn off password logins over SSH?",
    hint: "only after a key login as the deploy user worked, so nobody is locked out",
    apply: (o, yes) => (yes ? { ...o, hardenSsh: true } : o),
  },
  {
    ask: "Turn on unattended security upgrades?",
    hint: "unattended-upgrades: the distribution's security updates, daily",
    apply: (o, yes) => (yes ? { ...o, securityUpgrades: true } : o),
  },
];

export function ProvisionChoices({
  onChoose,
  onBack,
}: {
  onChoose: (options: ProvisionOptions) => void;
  onBack: () => void;
}) {
  const [answered, setAnswered] = useState<{ n: number; options: ProvisionOptions }>({ n: 0, options: {} });
  useKeys((input, key) => {
    if (key.escape || input === "q") onBack();
  });
  const q = PROVISION_QUESTIONS[answered.n];
  if (!q) return <Text dimColor>Planning provision…</Text>;
  return (
    <Box flexDirection="column">
      <Text>
        Provision ({answered.n + 1}/{PROVISION_QUESTIONS.length}): {q.ask}
      </Text>
      <Text dimColor>{q.hint}</Text>
      <SelectList<string>
        key={answered.n}
        items={["Yes", "No"]}
        render={(a) => a}
        onChoose={(a) => {
          const options = q.apply(answered.options, a === "Yes");
          const n = answered.n + 1;
          setAnswered({ n, options });
          if (n === PROVISION_QUESTIONS.length) onChoose(options);
        }}
      />
    </Box>
  );
}
