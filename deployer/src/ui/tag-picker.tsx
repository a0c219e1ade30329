/** Local tags newest first; the running one and those on the server marked; typing filters. */
import { Box, Text } from "ink";
import { useState } from "react";
import { filterTags, pickerReducer, type TagRow } from "./tag-filter.js";
import { tint } from "./theme.js";
import { useKeys } from "./key-queue.js";

const ROWS = 12;

export function TagPicker({
  rows,
  onChoose,
  onBack,
}: {
  rows: TagRow[];
  onChoose: (row: TagRow) => void;
  onBack: () => void;
}) {
  const [state, setState] = useState({ query: "", cursor: 0 });
  const shown = filterTags(rows, state.query);
  useKeys((input, key) => {
    if (key.escape) {
      // Esc clears the filter first, then leaves.
      if (state.query) setState({ query: "", cursor: 0 });
      else onBack();
      return;
    }
    if (key.return) {
      const row = shown[state.cursor];
      if (row) onChoose(row);
      return;
    }
    setState((s) => pickerReducer(s, { input, key }, shown.length));
  });
  const top = Math.max(0, Math.min(state.cursor - ROWS + 1, shown.length - ROWS));
  return (
    <Box flexDirection="column">
      <Text>
        Tag to deploy: <Text color={tint("cyan")}>{state.query}</Text>
        <Text dimColor>{state.query ? "" : "(type to filter)"}</Text>
      </Text>
      {shown.length === 0 ? <Text dimColor>no tag matches</Text> : null}
      {shown.slice(top, top + ROWS).map((r, i) => {
        const selected = top + i === state.cursor;
        return (
          <Text key={r.tag} color={selected ? tint("cyan") : undefined} wrap="truncate-end">
            {selected ? "› " : "  "}
            {r.tag.padEnd(12)} {r.date.slice(0, 10)} {r.commit.slice(0, 7)} {r.subject}
            {r.running ? (
              <Text color={tint("green")}> ● running</Text>
            ) : r.onServer ? (
              <Text dimColor> ○ on server</Text>
            ) : null}
          </Text>
        );
      })}
    </Box>
  );
}
