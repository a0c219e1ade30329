/**
 * What each image the sandbox needs is built from (pure). Stand-ins carry the official images' exact
 * names, so the production Dockerfile and compose file need no sandbox-only changes.
 */
import { join } from "node:path";
import type { CacheInputs } from "./cache-key.js";

/**
 * A context entry: a file on the host, generated content, or an npm tarball unpacked into a directory
 * (its top `package/` folder stripped; only `members` when given): unpacked on the host, so the
 * image needs no extra build stage and no tarball in its layers.
 */
export type Input = { path: string } | { content: string } | { unpack: string; members?: readonly string[] };

interface SpecBase {
  tag: string;
  /** Official images may be pulled instead of built, where a registry answers. */
  official: boolean;
}

export interface RootfsSpec extends SpecBase {
  kind: "rootfs";
  suite: string;
  mirror: string;
  script: string;
}

export interface DockerfileSpec extends SpecBase {
  kind: "dockerfile";
  base: string;
  /** Context file name -> input. "Dockerfile" is one of them. */
  files: Record<string, Input>;
  args: Record<string, string>;
  target?: string;
}

export type ImageSpec = RootfsSpec | DockerfileSpec;

export interface SpecInputs {
  /** tools/sandbox: Dockerfiles, entrypoints, the rootfs script. */
  assetsDir: string;
  mirror: string;
  node: { tgz: string; version: string };
  npmTgz: string;
  /** PEM files of a TLS-intercepting proxy (may be empty). */
  caFiles: readonly { name: string; path: string; pem: string }[];
  composePlugin: string;
}

export function imageSpecs(i: SpecInputs): ImageSpec[] {
  const script = join(i.assetsDir, "bin", "mkrootfs.sh");
  const dir = (name: string, ...files: string[]): Record<string, Input> =>
    Object.fromEntries(files.map((f) => [f, { path: join(i.assetsDir, "images", name, f) }]));
  const caDir: Record<string, Input> = Object.fromEntries(
    i.caFiles.map((ca) => [`extra-ca/${ca.name}`, { path: ca.path }] as const),
  );
  const vdsFiles = {
    ...dir("vds", "Dockerfile", "ssh-hostkeys.conf", "sandbox-authorize-key.sh"),
    "extra-ca/.keep": { content: "" },
    ...caDir,
  };
  return [
    { kind: "rootfs", tag: "debian:bookworm-slim", official: true, suite: "bookworm", mirror: i.mirror, script },
    { kind: "rootfs", tag: "debian:trixie-slim", official: true, suite: "trixie", mirror: i.mirror, script },
    {
      kind: "dockerfile",
      tag: "node:22-bookworm-slim",
      official: true,
      base: "debian:bookworm-slim",
      files: {
        ...dir("node", "Dockerfile", "docker-entrypoint.sh"),
        node: { unpack: i.node.tgz, members: ["package/bin/node", "package/include"] },
        npm: { unpack: i.npmTgz },
        "extra-ca.pem": { content: i.caFiles.map((ca) => ca.pem.trim() + "\n").join("") },
      },
      args: { BASE_IMAGE: "debian:bookworm-slim", NODE_VERSION: i.node.version },
    },
    {
      kind: "dockerfile",
      tag: "postgres:17-bookworm",
      official: true,
      base: "debian:trixie-slim",
      files: dir("postgres", "Dockerfile", "docker-entrypoint.sh"),
      args: { BASE_IMAGE: "debian:trixie-slim" },
    },
    {
      kind: "dockerfile",
      tag: "remindbot-sandbox-vds:bare",
      official: false,
      base: "debian:bookworm-slim",
      files: vdsFiles,
      args: { BASE_IMAGE: "debian:bookworm-slim" },
      target: "bare",
    },
    {
      kind: "dockerfile",
      tag: "remindbot-sandbox-vds:ready",
      official: false,
      base: "debian:bookworm-slim",
      files: { ...vdsFiles, "docker-compose": { path: i.composePlugin } },
      args: { BASE_IMAGE: "debian:bookworm-slim" },
      target: "ready",
    },
  ];
}

/** The specs `tag` needs, dependencies first. */
export function buildOrder(specs: readonly ImageSpec[], tags: readonly string[]): ImageSpec[] {
  const byTag = new Map(specs.map((s) => [s.tag, s]));
  const out: ImageSpec[] = [];
  const visit = (tag: string) => {
    const spec = byTag.get(tag);
    if (!spec) throw new Error(`no recipe for image ${tag}`);
    if (out.includes(spec)) return;
    if (spec.kind === "dockerfile") visit(spec.base);
    out.push(spec);
  };
  tags.forEach(visit);
  return out;
}

/** The cache inputs of a spec, given the sha256 of each file input and the base image's id. */
export function cacheInputs(spec: ImageSpec, fileHashes: Record<string, string>, baseId?: string): CacheInputs {
  if (spec.kind === "rootfs") {
    return { recipe: "rootfs/1", files: fileHashes, args: { suite: spec.suite, mirror: spec.mirror }, baseIds: [] };
  }
  const args = { ...spec.args, ...(spec.target ? { "--target": spec.target } : {}) };
  return { recipe: "dockerfile/1", files: fileHashes, args, baseIds: baseId ? [baseId] : [] };
}

/** `docker build` arguments (legacy builder and BuildKit alike). */
export function buildArgs(spec: DockerfileSpec, key: string, labelName: string, context: string): string[] {
  return [
    "build",
    "--label",
    `${labelName}=${key}`,
    "-t",
    spec.tag,
    ...Object.entries(spec.args).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]),
    ...(spec.target ? ["--target", spec.target] : []),
    context,
  ];
}
