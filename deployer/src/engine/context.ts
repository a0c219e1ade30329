/** Types shared by the engine's plans and runner. */

import type { BackupKeep, BackupOffsite } from "../stack/contract.js";

export interface UnitFile {
  name: string;
  content: string;
}

export type RenderUnits = (o: {
  app: string;
  appDir: string;
  deployUser: string;
  backupEveryHours?: number;
  backupKeep?: BackupKeep;
  backupOffsite?: BackupOffsite;
}) => UnitFile[];

/** A step's failure: the one line the user reads, and the exit code it maps to. */
export class StepError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 3 | 4 = 1,
  ) {
    super(message);
  }
}
