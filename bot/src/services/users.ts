/** Users: language, time zone, quiet hours. Takes the DataSource; no Telegram here. */
import type { DataSource } from "typeorm";
import { User } from "../db/index.js";
import type { Lang } from "../parse/types.js";

export type { User };

export function langFromClient(languageCode: string | undefined): Lang {
  return languageCode?.toLowerCase().startsWith("ru") || ["uk", "be", "kk"].some((l) => languageCode?.startsWith(l))
    ? "ru"
    : "en";
}

export function createUserService(ds: DataSource) {
  const repo = () => ds.getRepository(User);
  return {
    get(id: number): Promise<User | null> {
      return repo().findOneBy({ id });
    },

    /** The user's row, created with the client's language on first contact; writing again unblocks. */
    async ensure(id: number, languageCode: string | undefined): Promise<User> {
      await ds.query(
        `INSERT INTO users (id, lang) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET blocked = false, updated_at = now() WHERE users.blocked`,
        [id, langFromClient(languageCode)],
      );
      const user = await repo().findOneBy({ id });
      if (!user) throw new Error(`user ${id} vanished after insert`);
      return user;
    },

    async setLang(id: number, lang: Lang): Promise<void> {
      await repo().update({ id }, { lang });
    },

    async setZone(id: number, zone: string): Promise<void> {
      await repo().update({ id }, { zone });
    },

    async setQuietHours(id: number, start: number | null, end: number | null): Promise<void> {
      await repo().update({ id }, { quietStart: start, quietEnd: end });
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
