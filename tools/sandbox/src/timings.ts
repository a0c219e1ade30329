/** Per-phase wall-clock times, printed by `up --timings` (never asserted in tests). */
export class Timings {
  readonly phases: { name: string; ms: number }[] = [];
  private readonly start = performance.now();

  async phase<T>(name: string, work: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      this.phases.push({ name, ms: performance.now() - t0 });
    }
  }

  format(): string {
    const rows = [...this.phases, { name: "total", ms: performance.now() - this.start }];
    return rows.map((p) => `  ${p.name.padEnd(22)} ${(p.ms / 1000).toFixed(1).padStart(6)} s`).join("\n");
  }
}
