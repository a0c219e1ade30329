import { expect } from "chai";
import type { Remote, RunResult } from "../ssh/types.js";
import { limitChannels } from "./channels.js";

function fakeRemote() {
  let open = 0;
  let most = 0;
  const remote: Remote = {
    host: "h",
    user: "u",
    async run(argv): Promise<RunResult> {
      open++;
      most = Math.max(most, open);
      await new Promise((r) => setTimeout(r, 5));
      open--;
      if (argv[0] === "boom") throw new Error("boom");
      return { code: 0, stdout: argv.join(" "), stderr: "" };
    },
    script: () => Promise.reject(new Error("unused")),
    upload: () => Promise.resolve(),
    download: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return { remote, most: () => most };
}

describe("engine: channels per connection", () => {
  it("runs at most `max` commands at once and queues the rest, in order, each getting its own result", async () => {
    const f = fakeRemote();
    const r = limitChannels(f.remote, 3);
    const out = await Promise.all(Array.from({ length: 20 }, (_, i) => r.run(["echo", String(i)])));
    expect(out.map((x) => x.stdout)).to.deep.equal(Array.from({ length: 20 }, (_, i) => `echo ${i}`));
    expect(f.most()).to.equal(3);
  });
  it("frees the slot of a command that throws", async () => {
    const f = fakeRemote();
    const r = limitChannels(f.remote, 1);
    const results = await Promise.allSettled([r.run(["boom"]), r.run(["boom"]), r.run(["echo", "ok"])]);
    expect(results.map((x) => x.status)).to.deep.equal(["rejected", "rejected", "fulfilled"]);
  });
});
