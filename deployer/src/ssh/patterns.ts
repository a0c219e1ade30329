/**
 * OpenSSH pattern lists (ssh_config(5) PATTERNS), shared by known_hosts host fields and ssh_config
 * `Host` / `Match host` lines: `*` and `?` wildcards, `!` negation that wins over any other match.
 * Host names compare case-insensitively.
 */

function wildcardToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}

/** Whether `text` matches one of `patterns` and none of the negated ones. */
export function matchPatternList(patterns: readonly string[], text: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith("!")) {
      if (wildcardToRegExp(pattern.slice(1)).test(text)) return false;
    } else if (wildcardToRegExp(pattern).test(text)) {
      matched = true;
    }
  }
  return matched;
}
