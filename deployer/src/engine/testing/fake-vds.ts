/**
 * A VDS in a temp dir for the engine's integration test: the SSH layer's in-process server runs every
 * command with `sh -c` here, with stub tools first on PATH (docker, systemctl, sudo, ...) that keep
 * their state in files, and a tiny HTTP server standing in for the bot's /health. The remote/bin
 * scripts the deployer sends on stdin run for real; a release's own scripts (backup.sh, restore.sh)
 * are stubs packed into the release.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { connectRemote, type SshRemote } from "../../ssh/remote.js";
import { makeKey, makeTempDir, type KeyFile } from "../../ssh/testing/fixtures.js";
import { startTestSshServer, type TestSshServer } from "../../ssh/testing/ssh-server.js";
import { unwrapExec, type Received } from "./plan-match.js";

/** What the bot's /health answers (docs/CONTRACTS.md): ready, polling, with the handover's gap. */
export const HEALTH_BODY = { ok: true, role: "active", handover: { gapMs: 120 } };

const which = (tool: string): string => execFileSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim();

/** docker as far as the plans ask it. Containers: "<id> <image> <state>" lines in $S/containers. */
const DOCKER = String.raw`#!/usr/bin/env bash
set -euo pipefail
S=${"$"}{STUB_STATE:?}
C=$S/containers
printf '%s\n' "$*" >>"$S/docker.log"
touch "$C"

new_id() {
  local n
  n=$(($(cat "$S/next-id" 2>/dev/null || echo 0) + 1))
  echo "$n" >"$S/next-id"
  printf 'container-%s' "$n" | sha256sum | cut -c1-64
}
set_state() { awk -v id="$1" -v st="$2" '$1 == id { $3 = st } { print }' "$C" >"$C.new" && mv "$C.new" "$C"; }
remove() { awk -v id="$1" '$1 != id' "$C" >"$C.new" && mv "$C.new" "$C"; }
add_bot() { echo "$(new_id) remindbot-bot:$1 running" >>"$C"; }

compose() { # -f RELEASE/docker-compose.prod.yml --env-file RELEASE/release.env SUB...
  local file=""
  while (($#)); do
    case $1 in
      -f) file=$2 && shift 2 ;;
      --env-file) shift 2 ;;
      *) break ;;
    esac
  done
  local tag last=${"$"}{*: -1}
  tag=$(basename "$(dirname "$file")")
  case $1 in
    version) echo 2.29.7 ;;
    build) echo "built remindbot-bot:$tag" ;;
    run) # run --rm --no-deps -T bot node bot/dist/migrate.js status|up|down N
      case " $* " in
        *"migrate.js status "*) cat "$S/migrate-status" ;;
        *"migrate.js up "*) cat "$S/migrate-up" ;;
        *"migrate.js down "*) echo "{\"reverted\":$last}" ;;
        *) echo "docker stub: compose run $*" >&2 && exit 1 ;;
      esac
      ;;
    up)
      if [[ $last == postgres ]]; then echo "postgres healthy"
      elif [[ " $* " == *" --scale "* ]]; then add_bot "$tag"
      elif [[ $last == bot ]]; then # the old way: compose recreates the bot
        awk '$2 !~ /^remindbot-bot:/' "$C" >"$C.new" && mv "$C.new" "$C" && add_bot "$tag"
      elif ! grep -q ' running$' "$C"; then add_bot "$tag"
      fi
      ;;
    *) echo "docker stub: compose $*" >&2 && exit 1 ;;
  esac
}

case $1 in
  version) echo 27.3.1 ;;
  info) echo "${"$"}{STUB_DOCKER_ROOT:-$S}" ;;
  compose) shift && compose "$@" ;;
  ps)
    shift
    all=0 quiet=0 service=''
    while (($#)); do
      case $1 in
        -a) all=1 ;;
        -q) quiet=1 ;;
        -aq) all=1 quiet=1 ;;
        --filter) [[ $2 == label=com.docker.compose.service=* ]] && service=${"$"}{2#*service=}; shift ;;
        --format) shift ;;
      esac
      shift
    done
    # every container here is the bot's or postgres' (no /health publisher)
    [[ $service == health ]] && exit 0
    while read -r id image state; do
      [[ $all == 1 || $state == running ]] || continue
      if ((quiet)); then echo "$id"; else echo "$id $image $state"; fi
    done <"$C"
    ;;
  image)
    case $2 in
      inspect)
        if [[ $4 == *RepoTags* ]]; then for img in "${"$"}{@:5}"; do echo "$img lease-v1"; done; else echo 187654321; fi
        ;;
      ls) cat "$S/images" ;;
      rm) echo "Untagged: $3" ;;
      prune) echo "Total reclaimed space: 0B" ;;
    esac
    ;;
  builder) echo "Total reclaimed space: 0B" ;;
  exec) # exec ID sh -c 'psql ... SELECT name FROM migrations' (the probe's applied list)
    [[ " $* " == *" psql "* && -f $S/applied ]] || { echo 'ERROR:  relation "migrations" does not exist' >&2 && exit 1; }
    cat "$S/applied"
    ;;
  inspect) # --format F -- ID (remote/bin/bot-state.sh)
    id=${"$"}{*: -1}
    state=$(awk -v id="$id" '$1 == id { print $3 }' "$C")
    [[ -n $state ]] || { echo "Error: No such object: $id" >&2 && exit 1; }
    if [[ $state == running ]]; then json='{"Status":"running","Running":true,"ExitCode":0,"Health":{"Status":"healthy"}}'
    else json='{"Status":"exited","Running":false,"ExitCode":0}'; fi
    printf '%s\0370\037127.0.0.1 \037%s\n' "$json" "${"$"}{STUB_HEALTH_PORT:?}"
    ;;
  stop) shift 3 && for id; do set_state "$id" exited && echo "$id"; done ;;
  start) shift && for id; do set_state "$id" running && echo "$id"; done ;;
  rm) shift && for id; do [[ $id == -f ]] || { remove "$id" && echo "$id"; }; done ;;
  *) echo "docker stub: $*" >&2 && exit 1 ;;
esac
`;

/** The other tools: small, and logging nothing but what they are asked. */
function stubs(home: string): Record<string, string> {
  const sh = (body: string) => `#!/usr/bin/env bash\nset -euo pipefail\n${body}\n`;
  return {
    docker: DOCKER,
    systemctl: sh(`[[ $1 == --version ]] && echo "systemd 252 (252.33-1~deb12u1)"
# the time service is there (checks.sh clock, provision.sh ensure-clock)
[[ $1 == list-unit-files && \${*: -1} == systemd-timesyncd.service ]] && echo "systemd-timesyncd.service enabled enabled"
exit 0`),
    timedatectl: sh(`case $1 in show) echo yes ;; timesync-status) echo "       Offset: +1.234ms" ;; esac`),
    // Nothing here installs packages on the machine running the tests.
    "apt-get": sh(`echo "apt-get stub: not expected: $*" >&2; exit 100`),
    // The deploy user cannot sudo: units that differ are left to provision, with a warning.
    sudo: sh(`echo "sudo: a password is required" >&2; exit 1`),
    runuser: sh(`while [[ $1 != -- ]]; do shift; done; shift; exec "$@"`),
    getent: sh(`case "$1 $2" in
  "group docker") echo "docker:x:999:deploy" ;;
  "passwd deploy") echo "deploy:x:1000:1000::${home}:/bin/bash" ;;
  *) exec ${which("getent")} "$@" ;;
esac`),
    id: sh(`if [[ \${*: -1} != deploy ]]; then exec ${which("id")} "$@"; fi
case $1 in -u) echo 1000 ;; -nG) echo "deploy docker" ;; *) exit 1 ;; esac`),
    // There is no user "deploy" here: ownership is dropped, the rest is the real install.
    install: sh(`a=(); while (($#)); do case $1 in -o | -g) shift 2 ;; *) a+=("$1") && shift ;; esac; done
exec ${which("install")} "\${a[@]}"`),
    chown: sh(`exit 0`),
  };
}

/** A release's remote/bin/backup.sh: logs on stderr, the new file's path on stdout (or exit $S/backup-exit). */
export const BACKUP_STUB = String.raw`#!/usr/bin/env bash
set -euo pipefail
label=""
while (($#)); do case $1 in --label) label=_$2 && shift 2 ;; *) shift ;; esac; done
code=$(cat "$STUB_STATE/backup-exit" 2>/dev/null || echo 0)
if ((code)); then echo "backup.sh: error: only 3 MiB free for $APP_DIR/backups (threshold 1024 MiB)" >&2 && exit "$code"; fi
# Named after the current release, as the real one (lib.sh current_release), whichever release's copy runs.
release=$(sed -n 's/^BOT_TAG=//p' "$APP_DIR/current/release.env" 2>/dev/null || true)
release=${"$"}{release:-unknown}
file=$APP_DIR/backups/$(date -u +%Y%m%dT%H%M%SZ)_$release$label.dump
echo "backup.sh: dumping the database to $file" >&2
echo dump >"$file"
echo "backup.sh: backup written and verified: $(basename "$file") (5 bytes)" >&2
printf '%s\n' "$file"
`;

/** A release's remote/bin/restore.sh FILE: exit 3 when FILE is missing, else exit $S/restore-exit. */
export const RESTORE_STUB = String.raw`#!/usr/bin/env bash
set -euo pipefail
[[ -f $1 ]] || { echo "restore.sh: error: $1 is missing" >&2 && exit 3; }
echo "restore.sh: checked $1: a complete pg_dump archive" >&2
code=$(cat "$STUB_STATE/restore-exit" 2>/dev/null || echo 0)
if ((code)); then echo "restore.sh: error: pg_restore failed; the previous data is kept" >&2 && exit "$code"; fi
echo "restore.sh: the bot is healthy" >&2
`;

/** The files of a release as the deployer uploads it (a git archive) and as the tests seed it. */
export const RELEASE_FILES: Record<string, string> = {
  "docker-compose.prod.yml": "name: remindbot\n",
  "bot/x.txt": "hello",
  "remote/bin/backup.sh": BACKUP_STUB,
  "remote/bin/restore.sh": RESTORE_STUB,
};

export interface FakeVds {
  dir: string;
  appDir: string;
  /** The stub tools' state: containers, images, migrate answers, exit codes. */
  state: string;
  key: KeyFile;
  server: TestSshServer;
  remote: SshRemote;
  /** The deploy user's home (authorize-key writes .ssh/authorized_keys there). */
  home: string;
  /** A fresh app dir with these releases (complete, with the stub scripts) and containers. */
  reset(o?: { releases?: string[]; current?: string; containers?: string[]; images?: string[] }): void;
  /** Sets a stub's answer: a file in the state dir ("migrate-status", "backup-exit", ...). */
  answer(name: string, text: string): void;
  containers(): string[];
  /** The exec requests received since the last call, unwrapped from the abort wrapper. */
  takeCommands(): Received[];
  /** The archive of a release (tar.gz of RELEASE_FILES). */
  archive(): Buffer;
  stop(): Promise<void>;
}

export async function startFakeVds(secrets: string[] = []): Promise<FakeVds> {
  const tmp = makeTempDir("engine-vds-");
  const dir = tmp.dir;
  const appDir = join(dir, "app");
  const state = join(dir, "state");
  const bin = join(dir, "bin");
  const home = join(dir, "home", "deploy");
  const src = join(dir, "release-src");
  for (const d of [state, bin, home]) mkdirSync(d, { recursive: true });
  for (const [name, text] of Object.entries(stubs(home))) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
  writeRelease(src);

  const health: Server = createServer((req, res) => {
    res.writeHead(req.url === "/health" ? 200 : 404, { "content-type": "application/json" });
    res.end(req.url === "/health" ? JSON.stringify(HEALTH_BODY) : "{}");
  });
  await new Promise<void>((ok) => health.listen(0, "127.0.0.1", ok));
  const healthPort = (health.address() as AddressInfo).port;

  const key = makeKey(dir, "id_deploy");
  const server = await startTestSshServer({
    authorizedKeys: [key.publicLine],
    cwd: dir,
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      STUB_STATE: state,
      STUB_DOCKER_ROOT: dir,
      STUB_HEALTH_PORT: String(healthPort),
    },
  });
  const known = join(dir, "known_hosts");
  writeFileSync(known, `${server.knownHostsLine}\n`);
  const remote = await connectRemote({
    host: "127.0.0.1",
    port: server.port,
    user: "deploy",
    identityFiles: [key.path],
    knownHostsFiles: [known],
    agentSocket: null,
    secrets,
  });

  const answer = (name: string, text: string) => writeFileSync(join(state, name), text);
  return {
    dir,
    appDir,
    state,
    key,
    server,
    remote,
    home,
    reset(o = {}) {
      rmSync(appDir, { recursive: true, force: true });
      rmSync(join(home, ".ssh"), { recursive: true, force: true });
      for (const d of ["releases", "shared", "backups"]) mkdirSync(join(appDir, d), { recursive: true });
      for (const [i, tag] of (o.releases ?? []).entries()) {
        const rel = join(appDir, "releases", tag);
        writeRelease(rel);
        writeFileSync(join(rel, "release.env"), `BOT_TAG=${tag}\nAPP_DIR=${appDir}\n`);
        const deployedAt = new Date(Date.UTC(2026, 0, 1 + i)).toISOString();
        writeFileSync(
          join(rel, "release.json"),
          JSON.stringify({ tag, commit: `c-${tag}`, deployedAt, by: "seed" }) + "\n",
        );
      }
      if (o.current) symlinkSync(`releases/${o.current}`, join(appDir, "current"));
      for (const f of ["backup-exit", "restore-exit", "next-id", "applied"]) rmSync(join(state, f), { force: true });
      answer("containers", (o.containers ?? []).map((c) => `${c}\n`).join(""));
      answer("images", (o.images ?? []).map((t) => `${t}\n`).join(""));
      answer("migrate-status", '{"known":["0001_init"],"applied":["0001_init"],"breaking":[]}\n');
      answer("migrate-up", '{"ran":[]}\n');
    },
    answer,
    containers: () => readFileSync(join(state, "containers"), "utf8").split("\n").filter(Boolean),
    takeCommands: () => server.commands.splice(0).map(unwrapExec),
    archive: () => execFileSync("tar", ["-czf", "-", "-C", src, "."]),
    async stop() {
      await remote.close();
      await server.stop();
      await new Promise<void>((ok) => health.close(() => ok()));
      tmp.remove();
    },
  };
}

function writeRelease(dir: string): void {
  for (const [path, text] of Object.entries(RELEASE_FILES)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text, { mode: path.endsWith(".sh") ? 0o755 : 0o644 });
  }
}
