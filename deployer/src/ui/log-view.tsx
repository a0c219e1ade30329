/**
 * Logs: follows a service through session.logs; lines are batched (one state update per 50 ms),
 * kept in a bounded ring, drawn as a window; space pauses, / filters, PgUp/PgDn/Home/End scroll.
 */
import { Box, Text } from "ink";
import { useEffect, useReducer, useState } from "react";
import type { LogOptions, TargetSession } from "../engine/api.js";
import { ErrorLine } from "./error-line.js";
import { initialLog, logReducer, newBelow, visibleLines, type LogState } from "./log-state.js";
import { tint } from "./theme.js";
import { useBatched } from "./use-batched.js";
import { useKeys } from "./key-queue.js";

const SERVICES: LogOptions["service"][] = ["bot", "postgres"];

export function LogLines({ state }: { state: LogState }) {
  const rows = visibleLines(state);
  return (
    <Box flexDirection="column" height={state.height}>
      {rows.map((l) => (
        <Text
          key={l.seq}
          wrap="truncate-end"
          color={l.level === "error" ? tint("red") : l.level === "warn" ? tint("yellow") : undefined}
        >
          {l.text}
        </Text>
      ))}
    </Box>
  );
}

export function LogScreen({
  session,
  onBack,
  onHelp,
  capacity = 5000,
  height = 14,
}: {
  session: Pick<TargetSession, "logs">;
  onBack: () => void;
  onHelp: () => void;
  capacity?: number;
  height?: number;
}) {
  const [state, dispatch] = useReducer(logReducer, undefined, () => initialLog(capacity, height));
  const [service, setService] = useState(0);
  const [error, setError] = useState<unknown>(undefined);
  const [ended, setEnded] = useState(false);
  const { push } = useBatched<string>((lines) => dispatch({ type: "lines", lines }), 50);
  const name = SERVICES[service] ?? "bot";

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

  useKeys((input, key) => {
    if (!state.editingFilter) {
      if (key.escape || input === "q") return onBack();
      if (input === "?") return onHelp();
      if (key.tab) return setService((s) => (s + 1) % SERVICES.length);
    }
    dispatch({ type: "key", press: { input, key } });
  });

  const below = newBelow(state);
  return (
    <Box flexDirection="column">
      <Text>
        Logs:{" "}
        {SERVICES.map((s) => (
          <Text key={s} bold={s === name} color={s === name ? tint("cyan") : undefined} dimColor={s !== name}>
            {s}{" "}
          </Text>
        ))}
        {state.paused ? <Text color={tint("yellow")}>⏸ paused </Text> : null}
        {below > 0 ? <Text color={tint("yellow")}>+{below} new below </Text> : null}
        {state.filter || state.editingFilter ? (
          <Text>
            filter: <Text color={tint("cyan")}>{state.filter}</Text>
            {state.editingFilter ? <Text inverse> </Text> : null}
          </Text>
        ) : null}
      </Text>
      <LogLines state={state} />
      {error !== undefined ? <ErrorLine error={error} /> : null}
      {ended ? <Text dimColor>(the log stream ended)</Text> : null}
      <Text dimColor>space pause · / filter · Tab service · PgUp/PgDn Home/End · Esc back</Text>
    </Box>
  );
}
