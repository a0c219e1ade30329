// Root hooks of `npm run test:e2e` (with ./mocha-hooks.ts): one line saying why everything is skipped
// when there is no root or Docker engine; at the end, the sandbox this run started is stopped.
import { dockerAvailable, stopSandboxesStartedByThisRun } from "./sandbox.js";

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    const a = await dockerAvailable();
    if (!a.ok) console.log(`e2e: every end-to-end test is skipped: ${a.reason}`);
  },
  async beforeEach(this: Mocha.Context) {
    if (!(await dockerAvailable()).ok) this.skip();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(5 * 60_000);
    await stopSandboxesStartedByThisRun();
  },
};
