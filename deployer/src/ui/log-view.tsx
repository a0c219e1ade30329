/**
 * Logs: follows a service through session.logs; lines are batched (one state update per 50 ms),
 * kept in a bounded ring (log-state.ts), drawn as a window of readable lines (log-format.ts).
 * Keys: space pause, / filter (n/N jump), l level, t time, w wrap, Enter expands, s saves.
 */
import { Box, Text, useStdout } from "ink";
import { useEffect, useReducer, useState } from "react";
import type { LogOptions, TargetSession } from "../engine/api.js";
import { ErrorLine } from "./error-line.js";
import { useKeys } from "./key-queue.js";
import { displayText, expanded } from "./log-format.js";
import {
  filteredTexts,
  initialLog,
  lineAt,
  logReducer,
  newBelow,
  visibleLines,
  type LogLine,
  type LogState,
} from "./log-state.js";
import { tint } from "./theme.js";
import { useBatched } from "./use-batched.js";

const SERVICES: LogOptions["service"][] = ["bot", "postgres"];
/** Rows around the lines: the app's header (4), this screen's title, message and key lines. */
const CHROME_ROWS = 8;

/** Writes the saved lines somewhere and says where; the app decides the place. */
export type SaveLog = (name: string, text: string) => Promise<string>;

const COLORS: Partial<Record<LogLine["level"], string>> = { error: "red", warn: "yellow" };

export function LogLines({ state }: { state: LogState }) {
  const rows = visibleLines(state);
  return (
    <Box flexDirection="column" height={state.height} overflow="hidden">
      {rows.map((l) => (
        <Text
          key={l.seq}
          wrap={state.wrap ? "wrap" : "truncate-end"}
          color={COLORS[l.level] ? tint(COLORS[l.level]!) : undefined}
          dimColor={l.level === "debug"}
          inverse={l.seq === state.cursor}
        >
          {displayText(l, state.utc)}
        </Text>
      ))}
    </Box>
  );
}

function Expanded({ state }: { state: LogState }) {
  const line = state.expanded === undefined ? undefined : lineAt(state, state.expanded);
  const rows = line ? expanded(line) : ["(the line left the buffer)"];
  const room = state.height - 1;
  return (
    <Box flexDirection="column" height={state.height}>
      {rows.slice(0, room).map((r, i) => (
        <Text key={i} wrap="truncate-end">
          {r}
        </Text>
      ))}
      {rows.length > room ? <Text dimColor>… {rows.length - room} more rows</Text> : null}
    </Box>
  );
}

function Status({ state }: { state: LogState }) {
  const below = newBelow(state);
  const where =
    state.anchor === undefined ? (
      <Text color={tint("green")}>following</Text>
    ) : state.paused ? (
      <Text color={tint("yellow")}>⏸ paused</Text>
    ) : (
      <Text color={tint("yellow")}>scrolled up (End follows)</Text>
    );
  return (
    <Text wrap="truncate-end">
      {where}
      {below > 0 ? <Text color={tint("yellow")}> +{below} new below</Text> : null}
      {state.minLevel !== "all" ? <Text> · level ≥ {state.minLevel}</Text> : null}
      {state.utc ? <Text> · UTC</Text> : null}
      {state.wrap ? <Text> · wrap</Text> : null}
      {state.filter || state.editingFilter ? (
        <Text>
          {" "}
          · filter: <Text color={tint("cyan")}>{state.filter}</Text>
          {state.editingFilter ? <Text inverse> </Text> : null}
          {state.editingFilter && !state.filter && state.lastFilter ? (
            <Text dimColor> (Enter: {state.lastFilter})</Text>
          ) : null}
        </Text>
      ) : null}
    </Text>
  );
}

export function LogScreen({
  session,
  onBack,
  onHelp,
  capacity = 5000,
  height,
  lastFilter = "",
  onFilter,
  save,
  reservedRows = 0,
}: {
  session: Pick<TargetSession, "logs">;
  onBack: () => void;
  onHelp: () => void;
  capacity?: number;
  /** Rows for the lines; by default what the terminal leaves. */
  height?: number;
  /** The filter used last time, offered again by `/` then Enter. */
  lastFilter?: string;
  onFilter?: (filter: string) => void;
  save?: SaveLog;
  /** Rows something else takes below the screen (the help box), so it all fits the terminal. */
  reservedRows?: number;
}) {
  const { stdout } = useStdout();
  const rows = height ?? Math.max(3, (stdout.rows || 24) - CHROME_ROWS - reservedRows);
  const cols = Math.min(80, stdout.columns || 80);
  const [state, dispatch] = useReducer(logReducer, undefined, () => initialLog(capacity, rows, cols, lastFilter));
  const [service, setService] = useState(0);
  const [error, setError] = useState<unknown>(undefined);
  const [ended, setEnded] = useState(false);
  const [note, setNote] = useState<string | undefined>(undefined);
  const { push } = useBatched<string>((lines) => dispatch({ type: "lines", lines }), 50);
  const name = SERVICES[service] ?? "bot";

  useEffect(() => dispatch({ type: "size", width: cols, height: rows }), [cols, rows]);
  useEffect(() => {
    if (state.lastFilter) onFilter?.(state.lastFilter);
  }, [state.lastFilter]);
  useEffect(() => {
    const ac = new AbortController();
    dispatch({ type: "clear" });
    setError(undefined);
    setEnded(false);
    session.logs({ service: name, tail: 200, follow: true }, push, ac.signal).then(
      () => !ac.signal.aborted && setEnded(true),
      (e: unknown) => !ac.signal.aborted && setError(e),
    );
    return () => ac.abort();
  }, [name]);

  const saveShown = () => {
    if (!save) return;
    const lines = filteredTexts(state);
    const stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
    setNote("saving…");
    save(`${name}-${stamp}Z.log`, lines.join("\n") + "\n").then(
      (path) => setNote(`saved ${lines.length} lines to ${path}`),
      (e: unknown) => setNote(`not saved: ${e instanceof Error ? e.message : String(e)}`),
    );
  };

  useKeys((input, key) => {
    if (!state.editingFilter && state.expanded === undefined) {
      if (key.escape || input === "q") return onBack();
      if (input === "?") return onHelp();
      if (key.tab) return setService((s) => (s + 1) % SERVICES.length);
      if (input === "s") return saveShown();
    }
    dispatch({ type: "key", press: { input, key } });
  });

  return (
    <Box flexDirection="column" width={cols}>
      <Text wrap="truncate-end">
        Logs:{" "}
        {SERVICES.map((s) => (
          <Text key={s} bold={s === name} color={s === name ? tint("cyan") : undefined} dimColor={s !== name}>
            {s}{" "}
          </Text>
        ))}
        · <Status state={state} />
      </Text>
      {state.expanded !== undefined ? <Expanded state={state} /> : <LogLines state={state} />}
      {error !== undefined ? <ErrorLine error={error} /> : null}
      {ended ? <Text dimColor>(the log stream ended)</Text> : null}
      {note ? <Text wrap="truncate-end">{note}</Text> : null}
      <Text dimColor wrap="truncate-end">
        {state.expanded !== undefined
          ? "Enter/Esc close"
          : "? keys · space pause · / filter · n/N · l level · t time · w wrap · ↑↓ Enter · s save · Tab"}
      </Text>
    </Box>
  );
}
