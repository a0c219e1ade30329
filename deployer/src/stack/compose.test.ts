// The compose files, parsed: every point of issue 4, so a later edit cannot quietly drop one.
// Then `docker compose config` (when Docker's CLI has compose v2) on the production file.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import {
  APP,
  COMPOSE_FILE,
  HEALTH_CONTAINER_PORT,
  HEALTH_PROFILE,
  HEALTH_SERVICE,
  NETWORK,
  PG_VOLUME,
  POSTGRES_IMAGE,
  SERVICES,
  STACK_MEMORY_MB,
  composeArgv,
} from "./contract.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => {
  expect(v, "a mapping").to.be.an("object");
  return v as Obj;
};

async function load(file: string): Promise<{ text: string; doc: Obj }> {
  const text = await readFile(join(REPO, file), "utf8");
  const parsed = parseDocument(text, { merge: true });
  expect(parsed.errors, `${file} parses`).to.deep.equal([]);
  return { text, doc: obj(parsed.toJS({ maxAliasCount: 100 })) };
}

describe("stack: docker-compose.prod.yml", () => {
  let text: string;
  let doc: Obj;
  /** The services that always run (not the opt-in health service). */
  let services: Record<string, Obj>;
  let health: Obj;
  before(async () => {
    ({ text, doc } = await load(COMPOSE_FILE));
    const all = obj(doc.services) as Record<string, Obj>;
    health = all[HEALTH_SERVICE]!;
    services = Object.fromEntries(Object.entries(all).filter(([name]) => name !== HEALTH_SERVICE));
  });

  it("has a fixed project name, the services bot and postgres, and the health service behind its profile", () => {
    expect(doc.name).to.equal(APP);
    expect(Object.keys(services).sort()).to.deep.equal([...SERVICES].sort());
    expect(health.profiles).to.deep.equal([HEALTH_PROFILE]);
    for (const [name, s] of Object.entries(services)) expect(s, name).to.not.have.any.keys("profiles");
  });

  it("publishes no port but the opt-in health service's (no host network anywhere)", () => {
    for (const [name, s] of Object.entries({ ...services, health })) {
      expect(s, name).to.not.have.any.keys("network_mode");
      if (name !== HEALTH_SERVICE) expect(s, name).to.not.have.any.keys("ports");
    }
    expect(text.match(/^\s*ports:/gm)).to.have.length(1);
    expect(health.ports).to.deep.equal([`\${HEALTH_PUBLISH:-127.0.0.1:0}:${HEALTH_CONTAINER_PORT}`]);
  });

  it("the health service runs the bot's image with no env file (no secret), read-only, small", () => {
    expect(health.image).to.equal(services.bot!.image);
    expect(health.command).to.deep.equal(["node", "bot/dist/public-health.js"]);
    expect(health).to.not.have.any.keys("env_file", "volumes", "build", "depends_on");
    expect(health.environment).to.deep.equal({ HEALTH_UPSTREAM: "bot" });
    expect(health.read_only).to.equal(true);
    expect(health.security_opt).to.deep.equal(["no-new-privileges:true"]);
    expect(health.networks).to.deep.equal(["backend"]);
    expect(health.healthcheck).to.deep.equal({ disable: true });
    expect(health.restart).to.equal("unless-stopped");
    expect(obj(health.deploy).resources).to.deep.equal({
      limits: { memory: "64M", cpus: "0.1" },
      reservations: { memory: "32M" },
    });
  });

  it("logs json-file, 10m x 3, on every service", () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.logging, name).to.deep.equal({ driver: "json-file", options: { "max-size": "10m", "max-file": "3" } });
    }
  });

  it("the stack's memory in the contract (STACK_MEMORY_MB) is the sum of the services' limits and reservations", () => {
    const mb = (size: unknown) => {
      const m = /^(\d+)([MG])$/.exec(String(size));
      expect(m, String(size)).to.not.equal(null);
      return Number(m![1]) * (m![2] === "G" ? 1024 : 1);
    };
    const sum = (kind: "limits" | "reservations") =>
      Object.values(services)
        .map((s) => mb(obj(obj(obj(s.deploy).resources)[kind]).memory))
        .reduce((a, b) => a + b, 0);
    expect({ limits: sum("limits"), reservations: sum("reservations") }).to.deep.equal(STACK_MEMORY_MB);
  });

  it("limits and reserves exactly: bot 512M / 0.5 CPU / 256M, postgres 1G / 1.0 CPU / 512M", () => {
    const resources = (name: string) => obj(obj(services[name]!.deploy).resources);
    expect(resources("bot")).to.deep.equal({
      limits: { memory: "512M", cpus: "0.5" },
      reservations: { memory: "256M" },
    });
    expect(resources("postgres")).to.deep.equal({
      limits: { memory: "1G", cpus: "1.0" },
      reservations: { memory: "512M" },
    });
  });

  it("restarts unless stopped, on every service", () => {
    for (const [name, s] of Object.entries(services)) expect(s.restart, name).to.equal("unless-stopped");
  });

  it("keeps PostgreSQL's data in the volume named remindbot-pgdata and both services on remindbot-net", () => {
    expect(doc.volumes).to.deep.equal({ pgdata: { name: PG_VOLUME } });
    expect(services.postgres!.volumes).to.deep.equal(["pgdata:/var/lib/postgresql/data"]);
    expect(doc.networks).to.deep.equal({ backend: { name: NETWORK, driver: "bridge" } });
    for (const [name, s] of Object.entries(services)) expect(s.networks, name).to.deep.equal(["backend"]);
  });

  it("names the PostgreSQL image once, pinned to the contract's tag", () => {
    expect(services.postgres!.image).to.equal(POSTGRES_IMAGE);
    expect(text.split(POSTGRES_IMAGE)).to.have.length(2);
    expect(text.match(/^\s*image:\s*postgres/gm)).to.have.length(1);
  });

  it("gives secrets through env_file ${APP_DIR}/shared/.env only: no secret value in the file", () => {
    for (const [name, s] of Object.entries(services)) {
      expect(String(s.env_file), name).to.match(/^\$\{APP_DIR:\?[^}]*\}\/shared\/\.env$/);
    }
    expect(text).to.not.match(/(PASSWORD|TOKEN|SECRET)\s*[:=]\s*\S/i);
    expect(obj(services.bot!.environment)).to.not.have.any.keys("POSTGRES_PASSWORD", "BOT_TOKEN");
  });

  it("builds and tags the bot from the release dir, as remindbot-bot:${BOT_TAG}, with tini, read-only and no new privileges", () => {
    const bot = services.bot!;
    expect(bot.build).to.deep.equal({
      context: ".",
      dockerfile: "bot/Dockerfile",
      args: { BOT_RELEASE: "${BOT_TAG:?BOT_TAG is not set; pass --env-file <release>/release.env}" },
    });
    expect(bot.image).to.match(/^remindbot-bot:\$\{BOT_TAG:\?[^}]+\}$/);
    expect(bot.init).to.equal(true);
    expect(bot.read_only).to.equal(true);
    expect(bot.tmpfs).to.be.an("array").with.length(1);
    expect(String((bot.tmpfs as string[])[0])).to.match(/^\/tmp(:|$)/);
    expect(bot.security_opt).to.deep.equal(["no-new-privileges:true"]);
    // the one host path it sees: the watchdog's report, read-only (its /status reads it)
    expect(bot.volumes).to.deep.equal([
      "${APP_DIR:?APP_DIR is not set; pass --env-file <release>/release.env}/watch:/srv/watch:ro",
    ]);
    expect(bot.stop_grace_period).to.be.a("string");
    expect(obj(bot.environment)).to.include({ POSTGRES_HOST: "postgres", NODE_ENV: "production" });
    expect(obj(bot.environment).BOT_RELEASE).to.match(/^\$\{BOT_TAG/);
  });

  it("health-checks both services; the bot waits for a healthy database", () => {
    const pgCheck = obj(services.postgres!.healthcheck);
    expect(pgCheck.test).to.be.an("array");
    const [kind, command] = pgCheck.test as string[];
    expect(kind).to.equal("CMD-SHELL");
    // $$ so that the container's shell, not compose, expands the variables.
    expect(command).to.match(/^pg_isready .*-U "\$\$\{POSTGRES_USER\}" -d "\$\$\{POSTGRES_DB\}"$/);
    const botCheck = obj(services.bot!.healthcheck);
    expect(botCheck.test).to.deep.equal(["CMD", "node", "bot/dist/healthcheck.js"]);
    for (const check of [pgCheck, botCheck]) {
      expect(check).to.include.keys("interval", "timeout", "retries", "start_period");
      expect(check.interval).to.equal("5s"); // short: `up --wait` is the deploy's health gate
    }
    expect(services.bot!.depends_on).to.deep.equal({ postgres: { condition: "service_healthy" } });
  });

  it("gives PostgreSQL shared memory and a 60 s clean shutdown", () => {
    expect(services.postgres!.shm_size).to.be.a("string");
    expect(services.postgres!.stop_grace_period).to.equal("60s");
  });

  describe("docker compose config (Docker CLI with compose v2)", () => {
    let dir: string;
    before(async function () {
      const v = spawnSync("docker", ["compose", "version", "--short"], { encoding: "utf8" });
      if (v.error || v.status !== 0 || !/^v?2\./.test(v.stdout.trim())) {
        console.log("      skipped: docker compose v2 is not installed (.ci/run installs it)");
        this.skip();
      }
      dir = await mkdtemp(join(tmpdir(), "remindbot-compose-"));
      await mkdir(join(dir, "shared"));
      // A stand-in of the server's env file, with made-up values.
      await writeFile(
        join(dir, "shared", ".env"),
        "POSTGRES_USER=u\nPOSTGRES_PASSWORD=pw-test\nPOSTGRES_DB=d\nBOT_TOKEN=x\n",
      );
    });
    after(async () => dir && rm(dir, { recursive: true, force: true }));

    /** `docker compose config` run as the contract says, in a release dir that holds the file and release.env. */
    async function config(releaseEnv: string) {
      await copyFile(join(REPO, COMPOSE_FILE), join(dir, COMPOSE_FILE));
      await writeFile(join(dir, "release.env"), releaseEnv);
      const [cmd, ...args] = composeArgv(dir, "config", "--format", "json");
      return spawnSync(cmd!, args, { encoding: "utf8", timeout: 30_000 });
    }

    it("accepts the file and normalises it as the parsed checks expect", async () => {
      const r = await config(`BOT_TAG=v1.2.3\nAPP_DIR=${dir}\n`);
      expect(r.status, r.stderr).to.equal(0);
      const c = obj(JSON.parse(r.stdout));
      const s = obj(c.services) as Record<string, Obj>;
      expect(c.name).to.equal(APP);
      expect(s.bot!.image).to.equal("remindbot-bot:v1.2.3");
      expect(obj(obj(s.bot!.build).args)).to.deep.equal({ BOT_RELEASE: "v1.2.3" });
      expect(obj(s.bot!.environment)).to.include({
        POSTGRES_HOST: "postgres",
        NODE_ENV: "production",
        BOT_RELEASE: "v1.2.3",
        POSTGRES_USER: "u", // from the env file
      });
      expect(s.postgres!.image).to.equal(POSTGRES_IMAGE);
      for (const name of SERVICES) expect(s[name], name).to.not.have.any.keys("ports");
      expect(s, "the health service is off without its profile").to.not.have.any.keys(HEALTH_SERVICE);
      expect(obj(c.volumes).pgdata).to.include({ name: PG_VOLUME });
      expect(obj(c.networks).backend).to.include({ name: NETWORK, driver: "bridge" });
      const limits = (name: string) => obj(obj(obj(s[name]!.deploy).resources).limits);
      expect(Number(limits("bot").cpus)).to.equal(0.5);
      expect(Number(limits("bot").memory)).to.equal(512 * 1024 ** 2);
      expect(Number(limits("postgres").cpus)).to.equal(1);
      expect(Number(limits("postgres").memory)).to.equal(1024 ** 3);
      const pg = obj(obj(s.postgres!.healthcheck));
      // compose keeps the $$ escape in its output; the container sees a single $.
      expect((pg.test as string[])[1]).to.include('"$${POSTGRES_USER}"');
    });

    it("with release.env's profile and address, adds the health service publishing exactly there", async () => {
      const r = await config(
        `BOT_TAG=v1\nAPP_DIR=${dir}\nCOMPOSE_PROFILES=${HEALTH_PROFILE}\nHEALTH_PUBLISH=127.0.0.1:19080\n`,
      );
      expect(r.status, r.stderr).to.equal(0);
      const s = obj(obj(JSON.parse(r.stdout)).services) as Record<string, Obj>;
      expect(Object.keys(s).sort()).to.deep.equal([...SERVICES, HEALTH_SERVICE].sort());
      expect(s[HEALTH_SERVICE]!.ports).to.deep.equal([
        { mode: "ingress", host_ip: "127.0.0.1", target: HEALTH_CONTAINER_PORT, published: "19080", protocol: "tcp" },
      ]);
      expect(s[HEALTH_SERVICE]!.image).to.equal("remindbot-bot:v1");
      expect(JSON.stringify(s[HEALTH_SERVICE]), "no secret reaches it").to.not.include("pw-test");
      for (const name of SERVICES) expect(s[name], name).to.not.have.any.keys("ports");
    });

    it("refuses to run without release.env's BOT_TAG / APP_DIR, with a message that says what to pass", async () => {
      const noTag = await config(`APP_DIR=${dir}\n`);
      expect(noTag.status).to.not.equal(0);
      expect(noTag.stderr).to.match(/BOT_TAG is not set; pass --env-file <release>\/release\.env/);
      const noDir = await config("BOT_TAG=v1\n");
      expect(noDir.status).to.not.equal(0);
      expect(noDir.stderr).to.match(/APP_DIR is not set/);
    });
  });
});

describe("stack: docker-compose.yml (development)", () => {
  let doc: Obj;
  let prod: Obj;
  before(async () => {
    doc = (await load("docker-compose.yml")).doc;
    prod = (await load(COMPOSE_FILE)).doc;
  });

  it("is its own project with its own volume, never the production names", () => {
    expect(doc.name).to.be.a("string").and.not.equal(APP);
    const volumes = obj(doc.volumes);
    for (const v of Object.values(volumes)) expect(obj(v).name).to.be.a("string").and.not.equal(PG_VOLUME);
    expect(JSON.stringify(doc)).to.not.include(PG_VOLUME).and.not.include(NETWORK);
  });

  it("publishes PostgreSQL on a loopback-only port, and nothing else publishes one", () => {
    const services = obj(doc.services) as Record<string, Obj>;
    expect(services.postgres!.ports).to.have.length(1);
    for (const [name, s] of Object.entries(services)) {
      for (const port of (s.ports as string[] | undefined) ?? []) {
        expect(String(port), name).to.match(/^127\.0\.0\.1:/);
      }
    }
  });

  it("uses the production PostgreSQL image (kept equal here, named in one place in prod)", () => {
    const services = obj(doc.services) as Record<string, Obj>;
    expect(services.postgres!.image).to.equal((obj(prod.services) as Record<string, Obj>).postgres!.image);
  });

  it("runs the bot from the mounted source with reload, and has no limits", () => {
    const services = obj(doc.services) as Record<string, Obj>;
    const bot = services.bot!;
    expect(bot.volumes).to.deep.include(".:/app");
    expect((bot.command as string[]).join(" ")).to.match(/tsx watch .*bot\/src\/main\.ts|node --watch/);
    expect(obj(bot.environment).POSTGRES_HOST).to.equal("postgres");
    expect(bot.depends_on).to.deep.equal({ postgres: { condition: "service_healthy" } });
    for (const [name, s] of Object.entries(services))
      expect(s, name).to.not.have.any.keys("deploy", "mem_limit", "cpus");
  });

  it("passes `docker compose config` (when compose v2 is installed)", function () {
    const r = spawnSync("docker", ["compose", "-f", join(REPO, "docker-compose.yml"), "config", "--quiet"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    if (r.error) {
      console.log("      skipped: docker is not installed");
      return this.skip();
    }
    expect(r.status, r.stderr).to.equal(0);
  });
});
