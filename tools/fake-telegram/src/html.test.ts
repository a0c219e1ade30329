import { expect } from "chai";
import { parseHtml } from "./html.ts";

describe("HTML parse mode", function () {
  it("turns tags into entities and decodes Telegram's character references", function () {
    expect(
      parseHtml(`<b>bold <i>both</i></b> &lt;3 &amp; <a href="https://x.org/?a=1&amp;b=2">link</a>`),
    ).to.deep.equal({
      text: "bold both <3 & link",
      entities: [
        { type: "bold", offset: 0, length: 9 },
        { type: "italic", offset: 5, length: 4 },
        { type: "text_link", offset: 15, length: 4, url: "https://x.org/?a=1&b=2" },
      ],
    });
    expect(parseHtml("AT&T &unknown; &#x41;").text).to.equal("AT&T &unknown; A");
  });

  it("rejects what Telegram rejects, with its texts", function () {
    const error = (html: string): string => {
      try {
        parseHtml(html);
        return "accepted";
      } catch (err) {
        return (err as Error).message.replace("Bad Request: can't parse entities: ", "");
      }
    };
    expect(error("<b>x</i>")).to.equal(`Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`);
    expect(error("x</b>")).to.equal("Unexpected end tag at byte offset 1");
    expect(error("ё<b")).to.equal("Unclosed start tag at byte offset 2");
    expect(error("1 < 2")).to.equal(`Unsupported start tag "" at byte offset 2`);
    expect(error(`<span class="x">s</span>`)).to.match(/^Tag "span" must have class "tg-spoiler"/);
    expect(error(`<span class="tg-spoiler">s</span> <tg-spoiler>t</tg-spoiler>`)).to.equal("accepted");
  });
});
