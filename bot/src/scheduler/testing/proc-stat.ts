/** A process's CPU from /proc/PID/stat (Linux), for the benches that measure the bot and PostgreSQL. */
import { readFileSync } from "node:fs";

const TICKS = 100; // USER_HZ on Linux

export interface ProcStat {
  ppid: number;
  /** Its own user + system CPU seconds. */
  cpu: number;
  /** Of its children it has waited for (cutime + cstime), seconds. */
  reaped: number;
}

/** Undefined when the process is gone or not visible. */
export function procStat(pid: number | string): ProcStat | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8");
    // fields after the command name, which may hold spaces and parentheses
    const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return {
      ppid: Number(rest[1]),
      cpu: (Number(rest[11]) + Number(rest[12])) / TICKS,
      reaped: (Number(rest[13]) + Number(rest[14])) / TICKS,
    };
  } catch {
    return undefined;
  }
}
