/**
 * Runs one engine task and draws its events: finished steps go to <Static>, the live part is the
 * running step, the pending ones and the last output lines. Ctrl+C asks, then aborts the signal.
 */
import { Box, Static, Text } from "ink";
import { useEffect, useReducer, useRef, useState } from "react";
import { INTERRUPTED, type EventSink, type TaskEvent, type TaskResult } from "../engine/events.js";
import { formatBytes } from "../format.js";
import {
  formatDuration,
  initialDeploy,
  ranLines,
  reduceEvents,
  stepDurationMs,
  type DeployState,
  type StepView,
} from "./deploy-state.js";
import { ErrorLine } from "./error-line.js";
import { tint } from "./theme.js";
import { useBatched } from "./use-batched.js";
import { useKeys } from "./key-queue.js";

export type StartTask = (sink: EventSink, signal: AbortSignal) => Promise<TaskResult>;

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const OUTPUT_ROWS = 6;
/** Rows of the "what ran" panel: the newest commands that fit an 80x24 screen under the steps. */
const RAN_ROWS = 10;

/** The exact remote commands, grouped by step, each with its exit code (c toggles it). */
function WhatRan({ state }: { state: DeployState }) {
  const rows = ranLines(state);
  const shown = rows.slice(-RAN_ROWS);
  return (
    <Box flexDirection="column" marginLeft={2}>
      <Text bold>
        What ran ({state.ran.length} commands{rows.length > shown.length ? ", newest" : ""}):
      </Text>
      {shown.map((r, i) =>
        r.code === undefined ? (
          <Text key={i} wrap="truncate-end">
            {r.text}
          </Text>
        ) : (
          <Text key={i} wrap="truncate-end">
            <Text color={tint(r.code === 0 ? "green" : "red")}>{String(r.code ?? "–").padStart(3)}</Text> {r.text}
          </Text>
        ),
      )}
    </Box>
  );
}

function StepLine({ step, now }: { step: StepView; now: number }) {
  const ms = stepDurationMs(step, now);
  const icon =
    step.status === "done" ? (
      <Text color={tint("green")}>✔</Text>
    ) : step.status === "failed" ? (
      <Text color={tint("red")}>✖</Text>
    ) : step.status === "skipped" ? (
      <Text dimColor>↷</Text>
    ) : step.status === "running" ? (
      <Text color={tint("cyan")}>{SPINNER[Math.floor(now / 100) % SPINNER.length]}</Text>
    ) : (
      <Text dimColor>·</Text>
    );
  return (
    <Text>
      {icon} {step.title}
      {ms !== undefined ? <Text dimColor> {formatDuration(ms)}</Text> : null}
      {step.progress && step.status === "running" ? (
        <Text dimColor>
          {" "}
          {formatBytes(step.progress.done)} / {formatBytes(step.progress.total)}
        </Text>
      ) : null}
      {step.note ? <Text dimColor> ({step.note})</Text> : null}
      {step.error ? <Text color={tint("red")}> {step.error}</Text> : null}
    </Text>
  );
}

export function TaskProgress({
  title,
  start,
  onBack,
  onBusy,
  onFinished,
}: {
  title: string;
  start: StartTask;
  onBack: () => void;
  onBusy: (busy: boolean) => void;
  onFinished?: (result: TaskResult) => void;
}) {
  const [state, dispatch] = useReducer(reduceEvents, initialDeploy);
  const [error, setError] = useState<unknown>(undefined);
  const [asking, setAsking] = useState(false);
  const [aborting, setAborting] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const [scroll, setScroll] = useState(0);
  const [showRan, setShowRan] = useState(false);
  const controller = useRef(new AbortController());
  const events = useBatched<TaskEvent>(dispatch, 50);
  const [final, setFinal] = useState<TaskResult | undefined>(undefined);
  const running = final === undefined && error === undefined;

  useEffect(() => {
    onBusy(true);
    let live = true;
    start(events.push, controller.current.signal).then(
      (result) => {
        if (!live) return;
        // Every event before the result is drawn before it.
        events.flush();
        setFinal(result);
        onBusy(false);
        onFinished?.(result);
      },
      (e: unknown) => {
        if (!live) return;
        events.flush();
        setError(e);
        onBusy(false);
      },
    );
    return () => {
      live = false;
      onBusy(false);
    };
    // The task starts once per mount.
  }, []);

  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(t);
  }, [running]);

  useKeys((input, key) => {
    if (asking) {
      if (input === "y" || input === "Y") {
        setAsking(false);
        setAborting(true);
        controller.current.abort(new Error(INTERRUPTED));
      } else if (input === "n" || input === "N" || key.escape) setAsking(false);
      return;
    }
    if (key.ctrl && input === "c") {
      if (running) setAsking(true);
      else onBack();
      return;
    }
    if (input === "c") return setShowRan((v) => !v);
    if (key.pageUp || key.upArrow)
      setScroll((s) => Math.min(Math.max(0, state.output.length - OUTPUT_ROWS), s + (key.pageUp ? OUTPUT_ROWS : 1)));
    else if (key.pageDown || key.downArrow) setScroll((s) => Math.max(0, s - (key.pageDown ? OUTPUT_ROWS : 1)));
    else if (!running && (key.return || key.escape || input === "q")) onBack();
  });

  const byId = new Map(state.steps.map((s) => [s.id, s]));
  const finished = state.finished.flatMap((id) => {
    const s = byId.get(id);
    return s ? [s] : [];
  });
  const live = state.steps.filter((s) => !state.finished.includes(s.id));
  const end = state.output.length - scroll;
  const tail = state.output.slice(Math.max(0, end - OUTPUT_ROWS), end);
  const result = final ?? state.result;

  return (
    <Box flexDirection="column">
      <Static items={finished}>{(s) => <StepLine key={s.id} step={s} now={now} />}</Static>
      <Text bold>{state.task ?? title}</Text>
      {live.map((s) => (
        <StepLine key={s.id} step={s} now={now} />
      ))}
      {showRan ? <WhatRan state={state} /> : null}
      {tail.length > 0 && running && !showRan ? (
        <Box flexDirection="column" marginLeft={2}>
          {tail.map((line, i) => (
            <Text key={i} dimColor wrap="truncate-end">
              {line}
            </Text>
          ))}
        </Box>
      ) : null}
      {state.warnings.map((w, i) => (
        <Text key={i} color={tint("yellow")}>
          ⚠ {w}
        </Text>
      ))}
      {error !== undefined ? <ErrorLine error={error} /> : null}
      {result ? <Summary result={result} /> : null}
      {asking ? (
        <Text color={tint("yellow")}>
          Abort {title}? The engine undoes the current step and releases the lock. (y/n)
        </Text>
      ) : null}
      {aborting && running ? <Text color={tint("yellow")}>Aborting: undoing the current step…</Text> : null}
      <Text dimColor>
        c {showRan ? "hide" : "show"} the commands run{!running ? " · Enter/Esc: back" : ""}
      </Text>
    </Box>
  );
}

function Summary({ result }: { result: TaskResult }) {
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text color={tint(result.ok ? "green" : "red")} bold>
        {result.ok ? "✔" : "✖"} {result.message} <Text dimColor>in {formatDuration(result.durationMs)}</Text>
      </Text>
      {Object.entries(result.figures ?? {}).map(([k, v]) => (
        <Text key={k}>
          {"  "}
          {k}: {v}
        </Text>
      ))}
      {result.ok
        ? (result.warnings ?? []).map((w, i) => (
            <Text key={`w${i}`} color={tint("yellow")}>
              {"  ! "}
              {w}
            </Text>
          ))
        : null}
    </Box>
  );
}
