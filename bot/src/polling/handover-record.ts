/** The one-row record a stepping-down poller leaves for its successor (table polling_handover). */
import type { DataSource } from "typeorm";
import { int8ToNumber } from "../db/bigint.js";

export interface HandoverRecord {
  /** When the previous holder's last getUpdates ended. */
  stoppedPollingAt: Date;
  /** The offset after the last update it received, null when it received none. */
  nextOffset: number | null;
  /** Which process released the lease (release@host:pid). */
  releasedBy: string;
}

export interface HandoverStore {
  read(): Promise<HandoverRecord | undefined>;
  write(record: HandoverRecord): Promise<void>;
}

export function handoverStore(ds: DataSource): HandoverStore {
  return {
    async read() {
      const [row] = (await ds.query(
        `SELECT stopped_polling_at, next_offset, released_by FROM polling_handover WHERE id`,
      )) as { stopped_polling_at: Date; next_offset: string | null; released_by: string }[];
      if (!row) return undefined;
      return {
        stoppedPollingAt: row.stopped_polling_at,
        nextOffset: row.next_offset === null ? null : int8ToNumber(row.next_offset),
        releasedBy: row.released_by,
      };
    },
    async write(r) {
      await ds.query(
        `INSERT INTO polling_handover (id, stopped_polling_at, next_offset, released_by) VALUES (true, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET stopped_polling_at = EXCLUDED.stopped_polling_at,
           next_offset = EXCLUDED.next_offset, released_by = EXCLUDED.released_by`,
        [r.stoppedPollingAt, r.nextOffset, r.releasedBy],
      );
    },
  };
}
