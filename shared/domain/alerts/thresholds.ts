/** Distinct positive whole days, largest first: [30, 14, 7, 3, 1]. */
export function normalizeThresholds(thresholdsDays: readonly number[]): number[] {
  const valid = thresholdsDays.filter((d) => Number.isInteger(d) && d > 0);
  return [...new Set(valid)].sort((a, b) => b - a);
}

/**
 * The smallest threshold that `daysLeft` is within (daysLeft <= threshold), or undefined when it is
 * within none. First seen at 10 days with [30, 14, 7, 3, 1] gives 14: the one alert that matters now,
 * not a burst of 30 and 14.
 */
export function currentThreshold(daysLeft: number, thresholds: readonly number[]): number | undefined {
  let found: number | undefined;
  for (const threshold of thresholds) {
    if (daysLeft <= threshold && (found === undefined || threshold < found)) found = threshold;
  }
  return found;
}
