/**
 * A fake ssh-agent for tests: a Unix socket speaking just enough of the agent protocol to list the
 * given public keys and refuse to sign with any of them (SSH_AGENT_FAILURE), as an agent does when
 * a key needs a confirmation that is declined or a hardware key is not plugged in.
 */
import net from "node:net";
import ssh2 from "ssh2";
import type { ParsedKey } from "ssh2";

const REQUEST_IDENTITIES = 11;
const IDENTITIES_ANSWER = 12;
const SIGN_REQUEST = 13;
const FAILURE = 5;

export interface FakeAgent {
  socket: string;
  /** Sign requests received (each answered with a failure). */
  signRequests: number;
  stop(): Promise<void>;
}

function sshString(data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

function message(type: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length + 1);
  head[4] = type;
  return Buffer.concat([head, body]);
}

export async function startRefusingAgent(socket: string, publicKeyLines: readonly string[]): Promise<FakeAgent> {
  const blobs = publicKeyLines.map((line) => {
    const key = ssh2.utils.parseKey(line);
    if (key instanceof Error) throw key;
    return (Array.isArray(key) ? (key[0] as ParsedKey) : key).getPublicSSH();
  });
  const answer = () => {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(blobs.length);
    return message(
      IDENTITIES_ANSWER,
      Buffer.concat([count, ...blobs.flatMap((b) => [sshString(b), sshString(Buffer.from("test key"))])]),
    );
  };
  const agent: FakeAgent = {
    socket,
    signRequests: 0,
    stop: () => new Promise<void>((ok) => server.close(() => ok())),
  };
  const server = net.createServer((conn) => {
    let pending = Buffer.alloc(0);
    conn.on("error", () => undefined);
    conn.on("data", (data) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
        const type = pending[4];
        pending = pending.subarray(4 + pending.readUInt32BE(0));
        if (type === REQUEST_IDENTITIES) conn.write(answer());
        else {
          if (type === SIGN_REQUEST) agent.signRequests++;
          conn.write(message(FAILURE));
        }
      }
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(socket, () => ok());
  });
  return agent;
}
