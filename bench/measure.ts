export interface Measured<T> {
  value: T;
  wallMs: number;
  /** User + system CPU of the whole process (client and emulators share it). */
  cpuMs: number;
  /** Largest resident set seen while the work ran, sampled every 10 ms. */
  peakRssBytes: number;
  /** The kernel's peak resident set of the process so far (exact, but it includes earlier runs). */
  processPeakRssBytes: number;
}

/** Runs `work` once, measuring wall time, process CPU and peak RSS; collects garbage first when --expose-gc allows. */
export async function measure<T>(work: () => Promise<T>): Promise<Measured<T>> {
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  let peakRssBytes = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
  }, 10);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  try {
    const value = await work();
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
    const processPeakRssBytes = process.resourceUsage().maxRSS * 1024;
    return { value, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssBytes, processPeakRssBytes };
  } finally {
    clearInterval(sampler);
  }
}
