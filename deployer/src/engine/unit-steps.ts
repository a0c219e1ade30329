/**
 * The systemd units as a plan step: installed or refreshed only when their sha256 differs from what
 * is installed. Staged in a private directory from `mktemp -d`, never under a predictable name.
 */
import { createHash } from "node:crypto";
import type { Layout } from "../commands/layout.js";
import * as systemd from "../commands/systemd.js";
import { late, run, type Action, type When } from "./actions.js";
import type { UnitFile } from "./context.js";
import { lastLine, unitsChanged } from "./judges.js";
import type { Step } from "./steps.js";

const changedList = (v: ReadonlyMap<string, string>): string[] =>
  (v.get("units-changed") ?? "").split(" ").filter(Boolean);

const anyChanged = (sudoChecked: boolean): When => ({
  text: sudoChecked ? "a unit differs and sudo -n works" : "a unit differs",
  holds: (v) => changedList(v).length > 0 && (!sudoChecked || v.get("units-sudo") === "yes"),
});

const changed = (name: string, sudoChecked: boolean): When => ({
  text: `${name} differs`,
  holds: (v) => changedList(v).includes(name) && (!sudoChecked || v.get("units-sudo") === "yes"),
});

export interface UnitStepOptions {
  /** Root, or provision's sudo prefix: failures fail. Otherwise the deploy user tries `sudo -n`. */
  asRoot: boolean;
  sudo?: readonly string[];
  deployUser: string;
  optional?: boolean;
}

export function unitSteps(l: Layout, units: UnitFile[] | undefined, o: UnitStepOptions): Step[] {
  const title = "Install or refresh the systemd units (only when they differ)";
  if (!units || units.length === 0)
    return [{ id: "units", title, skip: "no unit renderer in this build", actions: [] }];
  const wanted = new Map(units.map((u) => [u.name, createHash("sha256").update(u.content).digest("hex")]));
  const sudoChecked = !o.asRoot;
  const prefix = o.asRoot ? (o.sudo ?? []) : ["sudo", "-n"];
  const staging = late("units-staging", "a private staging directory from mktemp -d");
  const staged = (name: string) => late(`units-staging/${name}`, `${name} in the staging directory`);
  const names = units.map((u) => u.name);
  const services = names.filter((n) => n.endsWith(".service") && !names.includes(n.replace(/\.service$/, ".timer")));
  const timers = names.filter((n) => n.endsWith(".timer"));
  const any = anyChanged(sudoChecked);
  const actions: Action[] = [run(systemd.checksums(names), { quiet: true, judge: unitsChanged(wanted) })];
  if (sudoChecked)
    actions.push(
      run(["sudo", "-n", "true"], {
        quiet: true,
        when: anyChanged(false),
        judge: (r) =>
          r.code === 0
            ? { ok: true, set: { "units-sudo": "yes" } }
            : {
                ok: true,
                note: "left as they are (no sudo)",
                set: { "units-sudo": "no" },
                warn: `systemd units differ from this release's; ${o.deployUser} cannot sudo: run \`provision\` to refresh them`,
              },
      }),
    );
  actions.push(
    run(["mktemp", "-d"], {
      when: any,
      quiet: true,
      judge: (r) => {
        const dir = r.stdout.trim();
        if (r.code !== 0 || !dir.startsWith("/")) return { ok: false, error: `mktemp -d failed${lastLine(r.stderr)}` };
        return {
          ok: true,
          set: Object.fromEntries([["units-staging", dir], ...names.map((n) => [`units-staging/${n}`, `${dir}/${n}`])]),
        };
      },
    }),
  );
  for (const u of units) {
    actions.push(
      {
        kind: "upload",
        what: `the unit ${u.name}`,
        to: [staged(u.name)],
        mode: 0o644,
        data: async () => u.content,
        when: changed(u.name, sudoChecked),
      },
      run(systemd.installFrom(staged(u.name), u.name, prefix), {
        when: changed(u.name, sudoChecked),
        what: `installing ${u.name}`,
      }),
    );
  }
  actions.push(
    run(["rm", "-rf", "--", staging], { when: any, quiet: true }),
    run(systemd.daemonReload(prefix), { when: any, what: "systemctl daemon-reload" }),
  );
  if (services.length) actions.push(run(systemd.enable(services, prefix), { when: any, what: "systemctl enable" }));
  if (timers.length)
    actions.push(run(systemd.enableNow(timers, prefix), { when: any, what: "systemctl enable --now" }));
  return [{ id: "units", title, ...(o.optional ? { optional: true } : {}), actions }];
}
