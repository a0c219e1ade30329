/** Byte counts for people, one way everywhere (CLI, UI, run log): binary units, as df and Docker count. */

const UNITS = ["KiB", "MiB", "GiB", "TiB"];

/** "512 B", "3.0 MiB", "1.2 GiB"; "?" for a count that is not one (NaN, negative). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "?";
  if (n < 1024) return `${Math.round(n)} B`;
  let v = n / 1024;
  let i = 0;
  // Move up while the figure would print as 1024.0 or more (1023.96 KiB is "1.0 MiB", not "1024.0 KiB").
  while (v >= 1023.95 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${UNITS[i]}`;
}
