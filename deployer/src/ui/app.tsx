/**
 * The deployer UI: target picker → header + menu → screens. State lives in reducers and small
 * hooks; the engine does the work through the DeployerApi it is given.
 */
import { Box, Text, useApp, useStdout } from "ink";
import { useCallback, useEffect, useReducer, useRef, useState, type ReactNode } from "react";
import type { DeployerApi, ServerStatus, TargetSession, TargetSummary, UnknownHostKey } from "../engine/api.js";
import { APP } from "../stack/contract.js";
import { BackupsScreen } from "./backups-screen.js";
import { ErrorLine } from "./error-line.js";
import { Header, type Connection } from "./header.js";
import { HostKeyPrompt } from "./host-key-prompt.js";
import { SelectList } from "./list.js";
import { LogScreen, type SaveLog } from "./log-view.js";
import { currentScreen, HELP, initialNav, navReducer, type Screen } from "./nav.js";
import { DeployScreen, ProvisionScreen, RollbackScreen } from "./screens.js";
import { StatusScreen } from "./status-screen.js";
import { KeyQueue, useKeys } from "./key-queue.js";

export const MENU: { label: string; screen: Screen | "quit" }[] = [
  { label: "Deploy", screen: "deploy" },
  { label: "Rollback to tag", screen: "rollback" },
  { label: "Logs", screen: "logs" },
  { label: "Status", screen: "status" },
  { label: "Backups", screen: "backups" },
  { label: "Provision server", screen: "provision" },
  { label: "Quit", screen: "quit" },
];

const HEADER_REFRESH_MS = 15_000;

export interface AppProps {
  api: DeployerApi;
  onExit: (code: number) => void;
  /** Where a downloaded backup goes. */
  downloadPath?: (name: string) => Promise<string>;
  /** Writes a log the user saves (`s` in Logs); returns where. */
  saveLog?: SaveLog;
}

interface PendingKey {
  key: UnknownHostKey;
  answer: (trust: boolean) => void;
}

async function defaultDownloadPath(name: string): Promise<string> {
  const [{ mkdir }, { homedir }, { join }] = await Promise.all([
    import("node:fs/promises"),
    import("node:os"),
    import("node:path"),
  ]);
  const dir = process.env.DEPLOYER_BACKUP_DIR ?? join(homedir(), `${APP}-backups`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return join(dir, name);
}

/** Keys go through one queue (key-queue.tsx) so a burst is handled key by key, screen after screen. */
/** A saved log goes to .deployer/logs (git-ignored) under the repo the deployer runs for. */
async function defaultSaveLog(name: string, text: string): Promise<string> {
  const [{ mkdir, writeFile }, { join }] = await Promise.all([import("node:fs/promises"), import("node:path")]);
  const root = process.env.DEPLOYER_LOG_ROOT ?? process.env.DEPLOYER_REPO ?? process.cwd();
  const dir = join(root, ".deployer", "logs");
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

export function App(props: AppProps) {
  return (
    <KeyQueue>
      <Screens {...props} />
    </KeyQueue>
  );
}

function Screens({ api, onExit, downloadPath = defaultDownloadPath, saveLog = defaultSaveLog }: AppProps) {
  const app = useApp();
  const [nav, dispatch] = useReducer(navReducer, undefined, () => initialNav("targets"));
  const [targets, setTargets] = useState<TargetSummary[] | undefined>(undefined);
  const [target, setTarget] = useState<TargetSummary | undefined>(undefined);
  const [connection, setConnection] = useState<Connection>("idle");
  const [session, setSession] = useState<TargetSession | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [hostKey, setHostKey] = useState<PendingKey | undefined>(undefined);
  const [status, setStatus] = useState<ServerStatus | undefined>(undefined);
  const [menuIndex, setMenuIndex] = useState(0);
  // The log filter is remembered while the app runs: offered again in Logs.
  const [logFilter, setLogFilter] = useState("");
  const busy = useRef(false);
  const sessionRef = useRef<TargetSession | undefined>(undefined);
  const screen = currentScreen(nav);
  // 80 columns at most; narrower terminals (60) get everything narrower rather than wrapped.
  const width = Math.min(80, useStdout().stdout.columns || 80);

  const quit = useCallback(
    (code = 0) => {
      void sessionRef.current?.close().catch(() => undefined);
      onExit(code);
      app.exit();
    },
    [app, onExit],
  );

  const refreshHeader = useCallback((s: TargetSession) => {
    s.status().then(setStatus, () => undefined);
  }, []);

  const connect = useCallback(
    (t: TargetSummary) => {
      setTarget(t);
      setConnection("connecting");
      setError(undefined);
      const confirm = (key: UnknownHostKey) => new Promise<boolean>((answer) => setHostKey({ key, answer }));
      api.connect(t.name, confirm).then(
        (s) => {
          sessionRef.current = s;
          setSession(s);
          setConnection("connected");
          dispatch({ type: "replace", screen: "menu" });
          refreshHeader(s);
        },
        (e: unknown) => {
          setConnection("failed");
          setError(e);
        },
      );
    },
    [api, refreshHeader],
  );

  // Targets are read after the first frame is on screen.
  useEffect(() => {
    api.targets().then(
      (list) => {
        setTargets(list);
        if (list.length === 1 && list[0]) connect(list[0]);
      },
      (e: unknown) => setError(e),
    );
  }, [api, connect]);

  // The header's release and health stay current: asked again a while after each answer.
  useEffect(() => {
    if (!session) return;
    let live = true;
    let timer: NodeJS.Timeout | undefined;
    const tick = (): void => {
      void session
        .status()
        .then(
          (s) => live && setStatus(s),
          () => undefined,
        )
        .finally(() => {
          if (live) timer = setTimeout(tick, HEADER_REFRESH_MS);
        });
    };
    timer = setTimeout(tick, HEADER_REFRESH_MS);
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [session]);

  useKeys((input, key) => {
    if (key.ctrl && input === "c" && !busy.current) quit(0);
  });

  const back = () => dispatch({ type: "back" });
  const help = () => dispatch({ type: "toggle-help" });
  const onBusy = (b: boolean) => {
    busy.current = b;
  };
  const onFinished = () => session && refreshHeader(session);

  let body: ReactNode;
  if (screen === "targets" || !session) {
    body = (
      <TargetStep
        targets={targets}
        connection={connection}
        error={error}
        onChoose={connect}
        onRetry={() => target && connect(target)}
        onQuit={() => quit(error === undefined ? 0 : 1)}
      />
    );
  } else if (screen === "menu") {
    body = (
      <Menu
        onChoose={(s) => (s === "quit" ? quit(0) : dispatch({ type: "push", screen: s }))}
        onHelp={help}
        onQuit={() => (nav.help ? help() : quit(0))}
        helpOpen={nav.help}
        index={menuIndex}
        onCursor={setMenuIndex}
      />
    );
  } else {
    const common = { session, onBack: back, onHelp: help, onBusy, onFinished };
    body =
      screen === "deploy" ? (
        <DeployScreen {...common} api={api} />
      ) : screen === "rollback" ? (
        <RollbackScreen {...common} />
      ) : screen === "provision" ? (
        <ProvisionScreen {...common} />
      ) : screen === "logs" ? (
        <LogScreen
          session={session}
          onBack={back}
          onHelp={help}
          lastFilter={logFilter}
          onFilter={setLogFilter}
          save={saveLog}
          reservedRows={nav.help ? HELP.logs.length + 3 : 0}
        />
      ) : screen === "status" ? (
        <StatusScreen session={session} onBack={back} onHelp={help} />
      ) : (
        <BackupsScreen {...common} downloadDir={downloadPath} />
      );
  }

  return (
    <Box flexDirection="column" width={width}>
      <Header target={target} connection={connection} status={status} />
      {/* A host key question may come while a screen runs a task: the screen stays mounted
          (hidden), so its task is neither lost nor started twice. */}
      <Box display={hostKey ? "none" : "flex"} flexDirection="column">
        {body}
      </Box>
      {hostKey ? (
        <HostKeyPrompt
          hostKey={hostKey.key}
          onAnswer={(trust) => {
            setHostKey(undefined);
            hostKey.answer(trust);
          }}
        />
      ) : null}
      {nav.help ? <HelpBox screen={screen} /> : null}
    </Box>
  );
}

/** Drawn under the screen; the screen's own Esc/q goes "back", which closes help first. */
function HelpBox({ screen }: { screen: Screen }) {
  return (
    <Box borderStyle="single" flexDirection="column" paddingX={1}>
      <Text bold>Keys: {screen}</Text>
      {HELP[screen].map((l) => (
        <Text key={l}>{l}</Text>
      ))}
    </Box>
  );
}

function Menu({
  onChoose,
  onHelp,
  onQuit,
  helpOpen,
  index,
  onCursor,
}: {
  onChoose: (s: Screen | "quit") => void;
  onHelp: () => void;
  onQuit: () => void;
  helpOpen: boolean;
  index: number;
  onCursor: (i: number) => void;
}) {
  useKeys((input, key) => {
    if (input === "?") onHelp();
    else if (input === "q" || key.escape) onQuit();
  });
  return (
    <SelectList
      items={MENU}
      active={!helpOpen}
      initialIndex={index}
      onCursor={onCursor}
      onChoose={(m) => onChoose(m.screen)}
      render={(m) => m.label}
    />
  );
}

function TargetStep({
  targets,
  connection,
  error,
  onChoose,
  onRetry,
  onQuit,
}: {
  targets?: TargetSummary[];
  connection: Connection;
  error: unknown;
  onChoose: (t: TargetSummary) => void;
  onRetry: () => void;
  onQuit: () => void;
}) {
  // While connecting, keys belong to a host key question (Ctrl+C still quits).
  useKeys(
    (input, key) => {
      if (input === "q" || key.escape) onQuit();
      else if (input === "r" && connection === "failed") onRetry();
    },
    { isActive: connection !== "connecting" },
  );
  if (error !== undefined)
    return (
      <Box flexDirection="column">
        <ErrorLine error={error} />
        <Text dimColor>{connection === "failed" ? "r retry · " : ""}q quit</Text>
      </Box>
    );
  if (!targets) return <Text dimColor>Reading targets…</Text>;
  if (targets.length === 0)
    return <Text>No targets: add one to the targets file, or run `npm run sandbox -- up`.</Text>;
  if (connection === "connecting") return <Text dimColor>Connecting…</Text>;
  return (
    <Box flexDirection="column">
      <Text>Target:</Text>
      <SelectList
        items={targets}
        onChoose={onChoose}
        render={(t) => (
          <>
            {t.name.padEnd(14)} {t.user}@{t.host}:{t.port} <Text dimColor>({t.source})</Text>
          </>
        )}
      />
    </Box>
  );
}
