/** Types shared by the engine's plans and runner. */

import type { UnitValues } from "../stack/units.js";

export interface UnitFile {
  name: string;
  content: string;
}

export type RenderUnits = (o: UnitValues) => UnitFile[];

/** A step's failure: the one line the user reads, and the exit code it maps to. */
export class StepError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 3 | 4 = 1,
  ) {
    super(message);
  }
}
