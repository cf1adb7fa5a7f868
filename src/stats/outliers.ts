/**
 * Tukey outlier classification with criterion's semantics: fences at
 * Q1/Q3 ± 1.5·IQR (mild) and ± 3·IQR (severe), strict inequalities, and
 * outliers are counted, never removed.
 */

import { assertSamples, percentileSorted, sortedCopy } from "./quantile.js";

/** Counts of samples beyond each Tukey fence. */
export interface OutlierCounts {
  lowSevere: number;
  lowMild: number;
  highMild: number;
  highSevere: number;
}

/** The four Tukey fences computed from the quartiles. */
export interface TukeyFences {
  lowSevere: number;
  lowMild: number;
  highMild: number;
  highSevere: number;
}

/** Tukey fences of ascending-sorted data: Q1 − 3·IQR, Q1 − 1.5·IQR, Q3 + 1.5·IQR, Q3 + 3·IQR. */
export function tukeyFences(sorted: ArrayLike<number>): TukeyFences {
  const q1 = percentileSorted(sorted, 0.25);
  const q3 = percentileSorted(sorted, 0.75);
  const iqr = q3 - q1;
  return { lowSevere: q1 - 3 * iqr, lowMild: q1 - 1.5 * iqr, highMild: q3 + 1.5 * iqr, highSevere: q3 + 3 * iqr };
}

/** Counts low/high mild and severe outliers of `samples` (criterion's Tukey classification; a value on a fence is not an outlier). */
export function tukeyOutliers(samples: ArrayLike<number>): OutlierCounts {
  assertSamples(samples);
  const sorted = sortedCopy(samples);
  const f = tukeyFences(sorted);
  const counts: OutlierCounts = { lowSevere: 0, lowMild: 0, highMild: 0, highSevere: 0 };
  for (let i = 0; i < sorted.length; i++) {
    const x = sorted[i];
    if (x < f.lowSevere) counts.lowSevere++;
    else if (x > f.highSevere) counts.highSevere++;
    else if (x < f.lowMild) counts.lowMild++;
    else if (x > f.highMild) counts.highMild++;
  }
  return counts;
}
