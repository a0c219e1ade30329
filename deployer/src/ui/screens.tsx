/** Deploy, Rollback to tag and Provision: the task flow with their own choosers. */
import { Box, Text } from "ink";
import { useState } from "react";
import type { DeployerApi, ProvisionOptions, ReleaseInfo, TargetSession } from "../engine/api.js";
import type { TaskResult } from "../engine/events.js";
import { ErrorLine } from "./error-line.js";
import { ProvisionChoices } from "./provision-choices.js";
import { useScreenKeys } from "./keys.js";
import { SelectList } from "./list.js";
import { tagRows } from "./tag-filter.js";
import { TagPicker } from "./tag-picker.js";
import { TaskFlow } from "./task-flow.js";
import { tint } from "./theme.js";
import { useLoad } from "./use-load.js";
import { useKeys } from "./key-queue.js";

export interface TaskScreenProps {
  session: TargetSession;
  onBack: () => void;
  onHelp: () => void;
  onBusy: (busy: boolean) => void;
  onFinished: (result: TaskResult) => void;
}

function DeployTagChooser({
  api,
  session,
  onChoose,
  onBack,
}: {
  api: DeployerApi;
  session: TargetSession;
  onChoose: (tag: string) => void;
  onBack: () => void;
}) {
  const loaded = useLoad(async () => tagRows(await api.localTags(), await session.releases().catch(() => [])));
  // The picker has its own keys (typing filters); without one, Esc/q go back.
  const picking = Boolean(loaded.data && loaded.data.length > 0);
  useKeys(
    (input, key) => {
      if (key.escape || input === "q") onBack();
    },
    { isActive: !picking },
  );
  if (loaded.error !== undefined) return <ErrorLine error={loaded.error} />;
  if (!loaded.data) return <Text dimColor>Reading tags…</Text>;
  if (loaded.data.length === 0) return <Text>No git tags yet: tag a commit (git tag v1.0.0) to deploy it.</Text>;
  return <TagPicker rows={loaded.data} onChoose={(r) => onChoose(r.tag)} onBack={onBack} />;
}

export function DeployScreen(props: TaskScreenProps & { api: DeployerApi }) {
  const { session } = props;
  return (
    <TaskFlow
      title="deploy"
      chooser={(choose, back) => <DeployTagChooser api={props.api} session={session} onChoose={choose} onBack={back} />}
      loadPlan={(tag) => session.plan("deploy", tag)}
      start={(tag) => (sink, signal) => session.deploy(tag ?? "", sink, signal)}
      onBack={props.onBack}
      onBusy={props.onBusy}
      onFinished={props.onFinished}
    />
  );
}

function ReleaseChooser({
  session,
  onChoose,
  onBack,
  onHelp,
}: {
  session: TargetSession;
  onChoose: (tag: string) => void;
  onBack: () => void;
  onHelp: () => void;
}) {
  const loaded = useLoad(() => session.releases());
  useScreenKeys({ onBack, onHelp });
  if (loaded.error !== undefined) return <ErrorLine error={loaded.error} />;
  if (!loaded.data) return <Text dimColor>Reading releases on the server…</Text>;
  if (loaded.data.length === 0) return <Text>No releases on the server yet: deploy first.</Text>;
  return (
    <Box flexDirection="column">
      <Text>Roll back to (releases on the server, newest first):</Text>
      <SelectList<ReleaseInfo>
        items={loaded.data}
        onChoose={(r) => onChoose(r.tag)}
        render={(r) => (
          <>
            {r.tag.padEnd(12)} {r.deployedAt.slice(0, 16).replace("T", " ")} {r.commit.slice(0, 7)} {r.result.padEnd(8)}
            {r.current ? <Text color={tint("green")}> ● current</Text> : null}
            {r.imagePresent ? null : <Text dimColor> (rebuild)</Text>}
          </>
        )}
      />
    </Box>
  );
}

export function RollbackScreen(props: TaskScreenProps) {
  const { session } = props;
  return (
    <TaskFlow
      title="rollback"
      chooser={(choose, back) => (
        <ReleaseChooser session={session} onChoose={choose} onBack={back} onHelp={props.onHelp} />
      )}
      loadPlan={(tag) => session.plan("rollback", tag)}
      start={(tag) => (sink, signal) => session.rollback(tag ?? "", sink, signal)}
      onBack={props.onBack}
      onBusy={props.onBusy}
      onFinished={props.onFinished}
    />
  );
}

export function ProvisionScreen(props: TaskScreenProps) {
  const { session } = props;
  const [options, setOptions] = useState<ProvisionOptions>({});
  return (
    <TaskFlow
      title="provision"
      chooser={(choose, back) => (
        <ProvisionChoices
          onChoose={(o) => {
            setOptions(o);
            choose("");
          }}
          onBack={back}
        />
      )}
      loadPlan={() => session.plan("provision", undefined, options)}
      start={() => (sink, signal) => session.provision(sink, signal, options)}
      onBack={props.onBack}
      onBusy={props.onBusy}
      onFinished={props.onFinished}
    />
  );
}
