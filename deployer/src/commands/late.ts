/**
 * A command argument known only at run time (a container id the server reports, a count a status
 * returns). Builders take it where a value may be late; the engine fills it in as the task runs, and
 * `plan` prints it as what it is, never as something a user could paste.
 */
export interface Late {
  late: string;
  /** What the value is, e.g. "the new bot container, found at run time". */
  what: string;
}

export type Arg = string | Late;

export const late = (name: string, what: string): Late => ({ late: name, what });
