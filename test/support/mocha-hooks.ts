// Root hooks for every test file: shared servers started lazily by helpers are stopped once, at the end.
import { stopTestPostgres } from "./postgres.js";

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopTestPostgres();
  },
};
