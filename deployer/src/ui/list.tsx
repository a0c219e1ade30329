/** A plain selectable list: arrows and j/k move, Enter chooses. */
import { Box, Text } from "ink";
import { useState, type ReactNode } from "react";
import { moveCursor } from "./nav.js";
import { tint } from "./theme.js";
import { useKeys } from "./key-queue.js";

export function SelectList<T>({
  items,
  render,
  onChoose,
  active = true,
  onCursor,
  initialIndex = 0,
}: {
  items: T[];
  render: (item: T, selected: boolean) => ReactNode;
  onChoose: (item: T, index: number) => void;
  active?: boolean;
  onCursor?: (index: number) => void;
  /** Where the cursor starts, e.g. where it was before a screen was opened from this list. */
  initialIndex?: number;
}) {
  const [cursor, setCursor] = useState(initialIndex);
  useKeys(
    (input, key) => {
      if (key.return) {
        const item = items[cursor];
        if (item !== undefined) onChoose(item, cursor);
        return;
      }
      const next = moveCursor(cursor, items.length, input, key);
      if (next !== cursor) {
        setCursor(next);
        onCursor?.(next);
      }
    },
    { isActive: active },
  );
  return (
    <Box flexDirection="column">
      {items.map((item, i) => (
        <Text key={i} color={i === cursor ? tint("cyan") : undefined}>
          {i === cursor ? "› " : "  "}
          {render(item, i === cursor)}
        </Text>
      ))}
    </Box>
  );
}
