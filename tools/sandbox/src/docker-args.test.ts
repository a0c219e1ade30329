import { expect } from "chai";
import {
  cgroupArgs,
  foreignMount,
  missingCapabilities,
  privilegeArgs,
  telegramCreateArgs,
  vdsCreateArgs,
} from "./docker-args.js";
import type { HostProfile } from "./docker-args.js";
import { vdsNames } from "./names.js";

/** The value that follows `flag` in args, for every occurrence. */
function valuesOf(args: readonly string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] as string] : []));
}

describe("sandbox docker arguments", () => {
  describe("missingCapabilities", () => {
    it("finds SYS_RESOURCE (bit 24) missing from this kind of host's dockerd bounding set", () => {
      expect(missingCapabilities("000001fffeffffff", 40)).to.deep.equal(["SYS_RESOURCE"]);
    });
    it("finds nothing missing in a full set, and ignores bits above cap_last_cap", () => {
      expect(missingCapabilities("000001ffffffffff", 40)).to.deep.equal([]);
      expect(missingCapabilities("000000ffffffffff", 39)).to.deep.equal([]);
      expect(missingCapabilities("000000ffffffffff", 40)).to.deep.equal(["CHECKPOINT_RESTORE"]);
    });
  });

  describe("privilegeArgs", () => {
    it("uses --privileged when dockerd has every capability", () => {
      expect(privilegeArgs([])).to.deep.equal(["--privileged"]);
    });
    it("adds all capabilities but the missing ones, unconfined, when it does not", () => {
      const args = privilegeArgs(["SYS_RESOURCE"]);
      expect(args).not.to.include("--privileged");
      expect(valuesOf(args, "--cap-add")).to.deep.equal(["ALL"]);
      expect(valuesOf(args, "--cap-drop")).to.deep.equal(["SYS_RESOURCE"]);
      expect(valuesOf(args, "--security-opt")).to.have.members([
        "seccomp=unconfined",
        "apparmor=unconfined",
        "systempaths=unconfined",
      ]);
      expect(valuesOf(args, "--device-cgroup-rule")).to.deep.equal(["a *:* rwm"]);
    });
  });

  describe("cgroupArgs", () => {
    it("v1: the host's cgroup namespace and tree, read-write", () => {
      for (const missingCaps of [[], ["SYS_RESOURCE"]]) {
        expect(cgroupArgs({ cgroup: "v1", missingCaps })).to.deep.equal([
          "--cgroupns=host",
          "-v",
          "/sys/fs/cgroup:/sys/fs/cgroup:rw",
        ]);
      }
    });
    it("v2 privileged: a private cgroup namespace and no bind mount", () => {
      expect(cgroupArgs({ cgroup: "v2", missingCaps: [] })).to.deep.equal(["--cgroupns=private"]);
    });
    it("v2 without --privileged: the tree bound read-write (docker would mount it read-only)", () => {
      expect(cgroupArgs({ cgroup: "v2", missingCaps: ["SYS_RESOURCE"] })).to.include(
        "/sys/fs/cgroup:/sys/fs/cgroup:rw",
      );
    });
  });

  describe("vdsCreateArgs", () => {
    const host: HostProfile = { cgroup: "v1", missingCaps: ["SYS_RESOURCE"] };
    const args = vdsCreateArgs({ names: vdsNames("ready"), host, resolvConf: "/x/.sandbox/resolv.conf" });

    it("boots systemd: tmpfs /run and /run/lock, the image last", () => {
      expect(valuesOf(args, "--tmpfs")).to.deep.equal(["/run", "/run/lock"]);
      expect(args.at(-1)).to.equal("remindbot-sandbox-vds:ready");
    });
    it("keeps the VDS's /var/lib/docker in its named volume", () => {
      expect(valuesOf(args, "-v")).to.include("remindbot-sandbox-ready-docker:/var/lib/docker");
    });
    it("publishes SSH on loopback only, 2222 for ready and 2223 for bare", () => {
      expect(valuesOf(args, "-p")).to.deep.equal(["127.0.0.1:2222:22"]);
      const bare = vdsCreateArgs({ names: vdsNames("bare"), host, resolvConf: "/r" });
      expect(valuesOf(bare, "-p")).to.deep.equal(["127.0.0.1:2223:22"]);
      expect(valuesOf(bare, "--name")).to.deep.equal(["remindbot-sandbox-bare"]);
      expect(valuesOf(bare, "-v")).to.include("remindbot-sandbox-bare-docker:/var/lib/docker");
    });
    it("joins the sandbox network at its fixed address, with real resolvers instead of 127.0.0.11", () => {
      expect(valuesOf(args, "--network")).to.deep.equal(["remindbot-sandbox"]);
      expect(valuesOf(args, "--ip")).to.deep.equal(["10.213.7.10"]);
      expect(valuesOf(args, "-v")).to.include("/x/.sandbox/resolv.conf:/etc/resolv.conf:ro");
    });
    it("takes the privilege mode and cgroup setup from the host profile", () => {
      expect(args).to.include("--cgroupns=host");
      expect(valuesOf(args, "--cap-drop")).to.deep.equal(["SYS_RESOURCE"]);
      const privileged = vdsCreateArgs({
        names: vdsNames("ready"),
        host: { cgroup: "v2", missingCaps: [] },
        resolvConf: "/r",
      });
      expect(privileged).to.include("--privileged").and.include("--cgroupns=private");
      expect(privileged).not.to.include("--cap-add");
    });
  });

  it("runs the fake Bot API's directory read-only under Node's type stripping, on loopback and the sandbox network", () => {
    const args = telegramCreateArgs({ image: "node:22-bookworm-slim", dir: "/repo/tools/fake-telegram", hash: "abc" });
    expect(valuesOf(args, "-v")).to.deep.equal(["/repo/tools/fake-telegram:/srv/fake-telegram:ro"]);
    expect(valuesOf(args, "--label")).to.include("org.remindbot.sandbox.file-hash=abc");
    expect(valuesOf(args, "-p")).to.deep.equal(["127.0.0.1:8081:8081"]);
    expect(valuesOf(args, "--ip")).to.deep.equal(["10.213.7.5"]);
    const cmd = args.slice(args.indexOf("node:22-bookworm-slim") + 1);
    expect(cmd).to.deep.equal([
      "node",
      "--experimental-strip-types",
      "--no-warnings",
      "/srv/fake-telegram/src/cli.ts",
      "--host",
      "0.0.0.0",
      "--port",
      "8081",
    ]);
  });
});

describe("foreignMount", () => {
  const own = "/work/main/.sandbox/resolv.conf";
  it("names another checkout's resolv.conf among a container's mounts", () => {
    const mounts = "/sys/fs/cgroup\n/var/lib/docker/volumes/x/_data\n/tmp/ci/.sandbox/resolv.conf\n";
    expect(foreignMount(mounts, own)).to.equal("/tmp/ci/.sandbox/resolv.conf");
  });
  it("accepts this checkout's own, and containers without one", () => {
    expect(foreignMount(`/sys/fs/cgroup\n${own}\n`, own)).to.equal(undefined);
    expect(foreignMount("", own)).to.equal(undefined);
  });
});
