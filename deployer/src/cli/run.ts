/**
 * The non-interactive command line: parse, validate before connecting, run one engine task,
 * print its events, log everything (redacted) to .deployer/logs/, map the result to an exit code.
 */
import { createInterface } from "node:readline/promises";
import { join } from "node:path";
import { ConfigError, resolveTarget, type TargetSources } from "../config/targets.js";
import { envFileSecrets } from "../config/env-file.js";
import { describeWatch } from "../commands/watch.js";
import { openSession, type EngineDeps } from "../engine/deployer.js";
import type { TaskOptions } from "../engine/api.js";
import type { TaskEvent, TaskResult } from "../engine/events.js";
import { parseRestoreSource } from "../engine/restore-source.js";
import { openRunLog } from "../local/log.js";
import { redactText } from "../ssh/redact.js";
import { USAGE, UsageError, isDestructive, parseCli, type Command } from "./args.js";
import { createPrinter } from "./printer.js";

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  /** Where .deployer/logs goes (the repo root). */
  logRoot: string;
  /** Aborted on SIGINT/SIGTERM by the caller. */
  signal?: AbortSignal;
}

export type EngineFactory = (acceptHostKey?: string) => EngineDeps;

export async function runCli(argv: string[], io: CliIo, engine: EngineFactory): Promise<number> {
  const err = (s: string) => io.stderr.write(s.endsWith("\n") ? s : `${s}\n`);
  const out = (s: string) => io.stdout.write(s);
  let parsed;
  try {
    parsed = parseCli(argv);
  } catch (e) {
    err(`deployer: ${(e as Error).message}`);
    return 2;
  }
  const c = parsed.command;
  if (c.name === "help") {
    out(`${USAGE[c.topic ?? "main"] ?? USAGE.main}\n`);
    return c.topic && !USAGE[c.topic] ? 2 : 0;
  }
  const deps = engine(parsed.acceptHostKey);
  let target;
  let secrets: string[];
  try {
    target = resolveTarget(c.target, deps.sources);
    // The env file's syntax is checked here, so a line compose reads otherwise is refused in one line before anything runs.
    secrets = envFileSecrets(target.envFile);
    if ((c.name === "deploy" || c.name === "rollback") && c.healthTimeoutSec !== undefined)
      target = { ...target, healthTimeoutSec: c.healthTimeoutSec };
  } catch (e) {
    err(`deployer: ${(e as Error).message}`);
    return 2;
  }
  if (isDestructive(c) && !("yes" in c && c.yes)) {
    if (!io.isTTY) {
      err(`deployer: ${c.name} changes the server: pass --yes to run it without a terminal`);
      return 2;
    }
    const rl = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream });
    const answer = await rl.question(`${describe(c)} on ${target.name} (${target.host})? [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      err("deployer: cancelled");
      return 1;
    }
  }
  const redact = (s: string) => redactText(s, secrets);
  const log = openRunLog(join(io.logRoot, ".deployer", "logs"), c.name, redact);
  log.write({ kind: "start", argv: argv.map(redact), target: target.name });
  const color = io.isTTY && !io.env.NO_COLOR && io.env.TERM !== "dumb";
  const json = "json" in c && c.json;
  const printer = createPrinter({ color, write: (s) => (json ? undefined : out(s)) });
  const sink = (e: TaskEvent) => {
    log.write({ kind: "event", ...e });
    printer(e);
  };
  const session = openSession(deps, target);
  const fail = (message: string, code: number) => {
    log.write({ kind: "end", exitCode: code, message });
    err(`deployer: ${message}`);
    err(`deployer: log: ${log.path}`);
    return code;
  };
  const fromResult = (r: TaskResult) => {
    if (json)
      out(
        `${JSON.stringify({ ok: r.ok, exitCode: r.exitCode, message: r.message, durationMs: r.durationMs, figures: r.figures ?? {} })}\n`,
      );
    if (r.ok) {
      log.write({ kind: "end", exitCode: 0 });
      return 0;
    }
    return fail(r.message, r.exitCode);
  };
  const signal = io.signal;
  try {
    switch (c.name) {
      case "deploy":
        return fromResult(await session.deploy(c.tag, sink, signal, taskOptions(c)));
      case "rollback":
        return fromResult(await session.rollback(c.tag, sink, signal, taskOptions(c)));
      case "provision":
        return fromResult(await session.provision(sink, signal, c.options));
      case "plan": {
        const p = await session.plan(c.action, c.tag, { ...taskOptions(c), ...c.provision });
        log.write({ kind: "plan", plan: p });
        if (c.json) out(`${JSON.stringify(p, null, 2)}\n`);
        else {
          out(`plan ${p.action}${p.tag ? ` ${p.tag}` : ""} on ${target.name} (changes nothing)\n`);
          p.steps.forEach((s, i) => {
            out(`${i + 1}. ${s.title}\n`);
            for (const cmd of s.commands) out(`     ${cmd}\n`);
          });
          if (p.migrationsDown.length) out(`migrations to revert: ${p.migrationsDown.join(", ")}\n`);
          for (const w of p.warnings) out(`! ${w}\n`);
        }
        break;
      }
      case "releases": {
        const rs = await session.releases();
        log.write({ kind: "releases", releases: rs });
        if (c.json) out(`${JSON.stringify(rs, null, 2)}\n`);
        else if (rs.length === 0) out("no releases on the server\n");
        else
          for (const r of rs)
            out(
              `${r.current ? "*" : " "} ${r.tag.padEnd(20)} ${r.commit.slice(0, 10).padEnd(10)} ${r.deployedAt.padEnd(24)} ${r.by}  ${r.result}${r.imagePresent ? "" : " (image pruned)"}\n`,
            );
        break;
      }
      case "status": {
        const s = await session.status();
        log.write({ kind: "status", status: s });
        if (c.json) out(`${JSON.stringify(s, null, 2)}\n`);
        else {
          out(`current release: ${s.currentRelease ?? "none"}\n`);
          if (s.warning) out(`! ${s.warning}\n`);
          for (const k of s.containers)
            out(
              `  ${k.service.padEnd(10)} ${k.state.padEnd(10)} health ${k.health.padEnd(10)} up ${k.uptime.padEnd(8)} restarts ${k.restarts}  mem ${k.memory}\n`,
            );
          out(
            `disk free: ${s.diskFree}\nlast backup: ${s.lastBackup ?? "none"}\nnext backup: ${s.nextBackup ?? "unknown"}\n` +
              `off-site copy: ${s.offsite ?? "none recorded"}\nlast restore drill: ${s.lastDrill ?? "none recorded"}\n`,
          );
          out(`${s.clock && !s.clock.synchronized ? "! " : ""}clock: ${s.clock?.text ?? "unknown (not readable)"}\n`);
          for (const line of describeWatch(s.watch)) out(`${line}\n`);
          if (s.lock)
            out(
              `! lock held by ${s.lock.by} since ${s.lock.at} (${s.lock.action}${s.lock.tag ? ` ${s.lock.tag}` : ""})\n`,
            );
        }
        break;
      }
      case "logs":
        await session.logs(
          {
            service: c.service,
            follow: c.follow,
            ...(c.tail !== undefined ? { tail: c.tail } : {}),
            ...(c.since ? { since: c.since } : {}),
          },
          (line) => {
            log.write({ kind: "log", line });
            out(`${line}\n`);
          },
          signal,
        );
        break;
      case "backup":
        if (c.action === "create") return fromResult(await session.createBackup(sink, signal));
        if (c.action === "drill") return fromResult(await session.drill(sink, signal));
        if (c.action === "restore")
          return fromResult(
            c.from
              ? await session.restoreFrom(
                  c.backup ?? "",
                  parseRestoreSource(c.from),
                  { ...(c.identity ? { identityFile: c.identity } : {}), onNote: (line) => out(`${line}\n`) },
                  sink,
                  signal,
                )
              : await session.restoreBackup(c.backup ?? "", sink, signal),
          );
        if (c.action === "list") {
          const bs = await session.backups();
          if (c.json) out(`${JSON.stringify(bs, null, 2)}\n`);
          else if (bs.length === 0) out("no backups\n");
          else
            for (const b of bs)
              out(
                `${b.name}  ${b.sizeBytes} B  ${b.createdAt}${b.checksum ? `  ${b.checksum}` : ""}${b.rule ? `  kept: ${b.rule}` : ""}\n`,
              );
        } else {
          const name = c.backup ?? "";
          const dest = c.output ?? name;
          const pulled = await session.pullBackup(name, dest, () => undefined);
          out(
            pulled.checksum === "verified"
              ? `${dest}\n${dest}.sha256 (the copy matches the server's sha256)\n`
              : `${dest}\n(no sha256 recorded on the server for ${name}: not checked)\n`,
          );
        }
        break;
      case "unlock":
        await session.unlock();
        out(`lock removed on ${target.name}\n`);
        break;
    }
    log.write({ kind: "end", exitCode: 0 });
    return 0;
  } catch (e) {
    const code = e instanceof ConfigError || e instanceof UsageError ? 2 : 1;
    return fail((e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "failed", code);
  } finally {
    await session.close().catch(() => undefined);
    await log.close();
  }
}

function describe(c: Command): string {
  switch (c.name) {
    case "deploy":
      return `Deploy ${c.tag}`;
    case "rollback":
      return `Roll back to ${c.tag}`;
    case "backup":
      return `Restore backup ${c.backup ?? ""} (replaces the database)`;
    case "provision":
      return "Provision the server";
    case "unlock":
      return "Remove the deploy lock";
    default:
      return c.name;
  }
}

export type { TargetSources };

/** A deploy's or rollback's choices besides its tag, as the command line gave them. */
function taskOptions(c: { stopFirst?: boolean; noRollback?: boolean }): TaskOptions {
  return { ...(c.stopFirst ? { stopFirst: true } : {}), ...(c.noRollback ? { noRollback: true } : {}) };
}
