/** A one-line text field (Enter submits, Esc cancels). */
import { Text } from "ink";
import { useState } from "react";
import { useKeys } from "./key-queue.js";

export function TextPrompt({
  label,
  onSubmit,
  onCancel,
}: {
  label: string;
  onSubmit: (value: string) => void;
  onCancel: () => void;
}) {
  const [value, setValue] = useState("");
  useKeys((input, key) => {
    if (key.return) onSubmit(value);
    else if (key.escape) onCancel();
    else if (key.backspace || key.delete) setValue((v) => v.slice(0, -1));
    else if (input && !key.ctrl && !key.meta && input >= " ") setValue((v) => v + input);
  });
  return (
    <Text>
      {label} {value}
      <Text inverse> </Text>
    </Text>
  );
}
