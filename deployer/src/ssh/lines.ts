/** Splits a text stream into lines (`\n`, with a trailing `\r` dropped); the rest comes at end(). */
export interface LineSplitter {
  push(text: string): string[];
  end(): string[];
}

export function createLineSplitter(): LineSplitter {
  let rest = "";
  const trim = (line: string) => (line.endsWith("\r") ? line.slice(0, -1) : line);
  return {
    push(text) {
      const parts = (rest + text).split("\n");
      rest = parts.pop() ?? "";
      return parts.map(trim);
    },
    end() {
      const last = rest;
      rest = "";
      return last === "" ? [] : [trim(last)];
    },
  };
}
