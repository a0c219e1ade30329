import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { commandLine, scriptInput, wrapCommand } from "./remote-command.js";

/**
 * Runs an exec request's text the way sshd does (the login shell's -c) and speaks the client's
 * side of the protocol: input first, stdin kept open until the command has exited.
 */
function runLocally(line: string, input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn("sh", ["-c", line], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin.write(input);
  child.on("exit", () => child.stdin.end());
  return new Promise((ok) => child.on("close", (code) => ok({ code, stdout, stderr })));
}

describe("remote-command", () => {
  it("builds argv commands with an optional working directory, quoted", () => {
    expect(commandLine(["ls", "-la"])).to.equal("'ls' '-la'");
    expect(commandLine(["ls"], "/opt/my app")).to.equal("cd '/opt/my app' && 'ls'");
  });

  it("the wrapper passes the command's stdout, stderr and exit code through", async () => {
    const r = await runLocally(wrapCommand(commandLine(["sh", "-c", "echo out; echo err >&2; exit 7"]), 0), "");
    expect(r).to.deep.equal({ code: 7, stdout: "out\n", stderr: "err\n" });
  });

  it("the wrapper hands exactly the announced input bytes to the command", async () => {
    const data = "line 1\nü ✓ $(id) 'q'\n";
    const bytes = Buffer.byteLength(data);
    const r = await runLocally(wrapCommand(commandLine(["cat"]), bytes), data);
    expect(r.stdout).to.equal(data);
    expect(r.code).to.equal(0);
  });

  it("strict mode makes a script stop at the first failing line", async () => {
    const input = scriptInput("echo one\nfalse\necho two");
    const r = await runLocally(wrapCommand("bash -s", Buffer.byteLength(input)), input);
    expect(r.stdout).to.equal("one\n");
    expect(r.code).to.equal(1);
  });

  it("EOF on stdin while the command runs kills its whole process group", async () => {
    // A command that starts a grandchild; both must be gone after stdin closes.
    // Distinct sleep lengths name the processes for pgrep (sleep keeps its argv).
    const secs = String(3000 + (process.pid % 1000));
    const child = spawn(
      "sh",
      ["-c", wrapCommand(commandLine(["sh", "-c", `sleep ${secs}1 & sleep ${secs}2; echo never`]), 0)],
      {
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    const findProcs = () => spawnSync("pgrep", ["-f", `^sleep ${secs}[12]$`], { encoding: "utf8" }).stdout.trim();
    // Wait (bounded) until the command runs, then close stdin as sshd does when the channel closes.
    for (let i = 0; i < 100 && findProcs().split("\n").length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(findProcs().split("\n")).to.have.length(2);
    child.stdin.end();
    const code = await new Promise<number | null>((ok) => child.on("close", (c) => ok(c)));
    expect(code).to.equal(143); // 128 + SIGTERM
    for (let i = 0; i < 100 && findProcs() !== ""; i++) await new Promise((r) => setTimeout(r, 50));
    expect(findProcs()).to.equal("");
  });
});
