/**
 * The systemd units of the stack, rendered from the templates in remote/systemd/ (the files an
 * operator reads). renderUnits is pure given the templates; the templates are read once from the
 * repository (deployer/src and deployer/dist are both three levels below it).
 */
import { readdirSync, readFileSync } from "node:fs";
import {
  APP,
  BACKUP_EVERY_HOURS,
  BACKUP_EVERY_HOURS_DEFAULT,
  BACKUP_KEEP_DEFAULTS,
  backupKeepEnv,
  backupOffsiteEnv,
  type BackupKeep,
  type BackupOffsite,
} from "./contract.js";

export interface UnitValues {
  /** App name: unit names and the image prefix (`remindbot`). */
  app: string;
  /** Absolute app directory on the server (`/opt/remindbot`). */
  appDir: string;
  /** The user that owns appDir and is in the docker group (`deploy`). */
  deployUser: string;
  /** Hours between the timer's backups (a divisor of 24; default 6, the seed's). */
  backupEveryHours?: number;
  /** backup.sh's retention windows for the timer's runs (default BACKUP_KEEP_DEFAULTS). */
  backupKeep?: BackupKeep;
  /** Encrypted off-site copies for the timer's runs (none by default). */
  backupOffsite?: BackupOffsite;
}

export interface UnitFile {
  /** File name under /etc/systemd/system, e.g. `remindbot-backup.timer`. */
  name: string;
  content: string;
}

export interface UnitTemplate {
  /** Template file name, named after the default app (`remindbot.service`). */
  name: string;
  content: string;
}

export const UNIT_TEMPLATE_DIR = new URL("../../../remote/systemd/", import.meta.url);

let cached: UnitTemplate[] | undefined;

/** The templates in remote/systemd/ (every *.service and *.timer), read once. */
export function unitTemplates(): UnitTemplate[] {
  cached ??= readdirSync(UNIT_TEMPLATE_DIR)
    .filter((name) => /\.(service|timer)$/.test(name))
    .sort()
    .map((name) => ({ name, content: readFileSync(new URL(name, UNIT_TEMPLATE_DIR), "utf8") }));
  return cached;
}

/**
 * Why a value would break a unit file, or undefined. Only plain characters pass: no whitespace
 * (ExecStart splits words), no `%` (systemd specifiers), `$` (variable expansion), quotes,
 * backslashes or control characters, and nothing that could end a line.
 */
export function unitValueProblem(field: keyof UnitValues, value: string): string | undefined {
  switch (field) {
    case "app":
      return /^[a-z][a-z0-9-]{0,30}$/.test(value)
        ? undefined
        : `app must be lower-case letters, digits and '-', starting with a letter (got ${JSON.stringify(value)})`;
    case "deployUser":
      return /^[a-z_][a-z0-9_-]{0,31}$/.test(value)
        ? undefined
        : `deployUser must be a plain user name (got ${JSON.stringify(value)})`;
    case "appDir":
      if (!/^(\/[A-Za-z0-9._-]+)+$/.test(value)) {
        return `appDir must be an absolute path of letters, digits, '.', '_' and '-', without a trailing '/' (got ${JSON.stringify(value)})`;
      }
      return value.split("/").some((part) => part === "." || part === "..")
        ? `appDir must not contain '.' or '..' (got ${JSON.stringify(value)})`
        : undefined;
  }
}

/** The timer's OnCalendar for a backup every `hours` (a divisor of 24), from midnight server time. */
export function backupCalendar(hours: number): string {
  if (!(BACKUP_EVERY_HOURS as readonly number[]).includes(hours))
    throw new Error(`backupEveryHours must be one of ${BACKUP_EVERY_HOURS.join(", ")} (got ${hours})`);
  return hours === 24 ? "*-*-* 00:00:00" : `*-*-* 00/${hours}:00:00`;
}

/**
 * Fills `{{APP}}`, `{{APP_DIR}}`, `{{DEPLOY_USER}}`, `{{BACKUP_EVERY_HOURS}}`,
 * `{{BACKUP_CALENDAR}}` and `{{BACKUP_ENV}}`; throws on any other placeholder.
 */
export function fillTemplate(template: string, values: UnitValues): string {
  const hours = values.backupEveryHours ?? BACKUP_EVERY_HOURS_DEFAULT;
  const map: Record<string, string> = {
    APP: values.app,
    APP_DIR: values.appDir,
    DEPLOY_USER: values.deployUser,
    BACKUP_EVERY_HOURS: String(hours),
    BACKUP_CALENDAR: backupCalendar(hours),
    BACKUP_ENV: [
      ...backupKeepEnv(values.backupKeep ?? BACKUP_KEEP_DEFAULTS),
      ...(values.backupOffsite ? backupOffsiteEnv(values.backupOffsite) : []),
    ].join(" "),
  };
  return template.replace(/\{\{([A-Z_]*)\}\}/g, (_, key: string) => {
    const value = map[key];
    if (value === undefined) throw new Error(`unknown placeholder {{${key}}} in a unit template`);
    return value;
  });
}

/**
 * The unit files for a server: `<app>.service`, `<app>-backup.service`, `<app>-backup.timer`.
 * Throws a one-line Error naming the first value that would break a unit file.
 */
export function renderUnits(values: UnitValues, templates: UnitTemplate[] = unitTemplates()): UnitFile[] {
  for (const field of ["app", "appDir", "deployUser"] as const) {
    const problem = unitValueProblem(field, values[field]);
    if (problem) throw new Error(problem);
  }
  return templates.map((t) => ({
    name: t.name.startsWith(APP) ? values.app + t.name.slice(APP.length) : t.name,
    content: fillTemplate(t.content, values),
  }));
}
