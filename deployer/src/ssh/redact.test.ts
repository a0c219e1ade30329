import { expect } from "chai";
import { secretForms as botSecretForms } from "../../../bot/src/logging/redact.js";
import { REDACTED, createRedactor, redactText, secretForms } from "./redact.js";

/** Feeds `parts` through a fresh redactor and joins what comes out. */
function stream(secrets: string[], parts: (string | Buffer)[]): string {
  const r = createRedactor(secrets);
  return parts.map((p) => r.push(p)).join("") + r.end();
}

describe("redact", () => {
  const secrets = ["hunter2-password", "tok:123456:ABCdef", "s3cr3t"];
  const text = "user=admin pass=hunter2-password token tok:123456:ABCdef and s3cr3t, s3cr3t.\n";
  const expected = "user=admin pass=[REDACTED] token [REDACTED] and [REDACTED], [REDACTED].\n";

  it("redacts whole text", () => {
    expect(redactText(text, secrets)).to.equal(expected);
  });

  it("redacts at every single split point", () => {
    for (let i = 0; i <= text.length; i++) {
      expect(stream(secrets, [text.slice(0, i), text.slice(i)]), `split at ${i}`).to.equal(expected);
    }
  });

  it("redacts at every pair of split points", () => {
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) {
        const out = stream(secrets, [text.slice(0, i), text.slice(i, j), text.slice(j)]);
        expect(out, `split at ${i},${j}`).to.equal(expected);
      }
    }
  });

  it("redacts a text fed one character at a time", () => {
    expect(stream(secrets, [...text])).to.equal(expected);
  });

  it("never emits a secret's prefix before knowing it is not one", () => {
    const r = createRedactor(["abcdefgh"]);
    expect(r.push("xx abcdefg")).to.equal("xx ");
    expect(r.push("h yy")).to.equal(`${REDACTED} yy`);
    expect(r.push(" abc")).to.equal(" ");
    expect(r.push("xyz")).to.equal("abcxyz");
    expect(r.end()).to.equal("");
  });

  it("merges overlapping secrets so no fragment of either leaks", () => {
    const s = ["abcdefgh", "efghijkl"];
    expect(redactText("1 abcdefghijkl 2", s)).to.equal(`1 ${REDACTED} 2`);
    const t = "1 abcdefghijkl 2";
    for (let i = 0; i <= t.length; i++) {
      expect(stream(s, [t.slice(0, i), t.slice(i)]), `split at ${i}`).to.equal(`1 ${REDACTED} 2`);
    }
  });

  it("prefers the longer of two secrets sharing a prefix", () => {
    const s = ["abcdef", "abcdefghijkl"];
    const t = "<abcdefghijkl> <abcdef>";
    for (let i = 0; i <= t.length; i++) {
      expect(stream(s, [t.slice(0, i), t.slice(i)])).to.equal(`<${REDACTED}> <${REDACTED}>`);
    }
  });

  it("handles multibyte UTF-8 split at every byte", () => {
    const s = ["пароль-секрет", "🔑key🔑"];
    const t = "до пароль-секрет после 🔑key🔑 ✓ конец";
    const bytes = Buffer.from(t, "utf8");
    const want = `до ${REDACTED} после ${REDACTED} ✓ конец`;
    for (let i = 0; i <= bytes.length; i++) {
      expect(stream(s, [bytes.subarray(0, i), bytes.subarray(i)]), `byte split at ${i}`).to.equal(want);
    }
    // One byte at a time, too.
    expect(
      stream(
        s,
        [...bytes].map((b) => Buffer.from([b])),
      ),
    ).to.equal(want);
  });

  it("never splits a surrogate pair between two outputs", () => {
    const r = createRedactor(["zzzzzz"]);
    const outs = [r.push("a😀b😀"), r.push("c"), r.end()];
    for (const o of outs) expect(Buffer.from(o, "utf8").toString("utf8")).to.equal(o);
    expect(outs.join("")).to.equal("a😀b😀c");
  });

  it("ignores secrets shorter than 6 characters and passes text through without secrets", () => {
    expect(redactText("abc 12345 abcdef", ["abc", "12345", "abcdef"])).to.equal(`abc 12345 ${REDACTED}`);
    expect(stream([], ["plain ", "text"])).to.equal("plain text");
  });

  describe("encoded forms", () => {
    const pw = "p@ss w/rd&é+1";
    const encoded: [string, string][] = [
      ["URL-encoded", `postgres://remindbot:${encodeURIComponent(pw)}@db/x`],
      ["form-encoded", `pw=${encodeURIComponent(pw).replace(/%20/g, "+")}&x=1`],
      ["lower-case percent", `u=${encodeURIComponent(pw).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}`],
      ["JSON", JSON.stringify({ password: pw })],
      ["JSON with \\u0026 (Go)", JSON.stringify({ password: pw }).replace(/&/g, "\\u0026")],
      [
        "ASCII JSON",
        JSON.stringify({ password: pw }).replace(
          /[\u0080-\uffff]/g,
          (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
        ),
      ],
      ["base64", `blob ${Buffer.from(pw).toString("base64")} end`],
      ["base64 of user:password", `Authorization: Basic ${Buffer.from(`remindbot:${pw}`).toString("base64")}`],
      ["base64 of u:password", `Authorization: Basic ${Buffer.from(`ab:${pw}`).toString("base64")}`],
      ["base64url", Buffer.from(`x:${pw}`).toString("base64url")],
    ];
    for (const [what, text] of encoded) {
      it(`redacts a secret ${what}`, () => {
        const out = redactText(text, [pw]);
        expect(out).to.contain(REDACTED);
        // Whatever is left decodes to no more than a few characters of the secret.
        const left = out.split(REDACTED);
        for (const part of left) expect(part.length < text.length - 8, what).to.equal(true);
        expect(stream([pw], [...text])).to.equal(out);
      });
    }

    it("are the same in the bot's logger (it ships without the deployer)", () => {
      for (const s of [pw, ["123456", "A".repeat(35)].join(":"), 'a"b\\c<d>'])
        expect(botSecretForms(s)).to.deep.equal(secretForms(s));
    });
  });
});
