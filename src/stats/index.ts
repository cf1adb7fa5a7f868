/** Public API of the statistics library: pure, deterministic functions over sample arrays. */

export {
  type BootstrapOptions,
  bootstrapCI,
  DEFAULT_LEVEL,
  DEFAULT_RESAMPLES,
  type Estimate,
  medianCI,
  percentileInterval,
  ratioCI,
} from "./bootstrap.js";
export {
  aaFalsePositiveRate,
  type CellSamples,
  type CompareOptions,
  type Comparison,
  compare,
  DEFAULT_ALPHA,
  geomeanRatio,
  holm,
} from "./compare.js";
export {
  erfc,
  logGamma,
  normalCdf,
  normalQuantile,
  regularizedBeta,
  regularizedGammaQ,
  studentT975,
  studentTCdf,
  studentTQuantile,
} from "./distributions.js";
export {
  crossover,
  empiricalCrossover,
  type FitOptions,
  type FittedCurve,
  fitGrowth,
  fitGrowthFromCells,
  fitModel,
  GROWTH_MODELS,
  type GrowthFit,
  type GrowthModel,
  growthBasis,
  type ModelFit,
  predict,
} from "./fit.js";
export {
  binomial,
  EXACT_LIMIT,
  type MannWhitneyOptions,
  type MannWhitneyResult,
  mannWhitneyU,
  minAchievableP,
  minSamplesForAlpha,
  TIES_EXACT_LIMIT,
  type UTestMethod,
} from "./mannwhitney.js";
export { type OutlierCounts, type TukeyFences, tukeyFences, tukeyOutliers } from "./outliers.js";
export { madSorted, median, percentile, percentileSorted, sortedCopy } from "./quantile.js";
export { createRng, deriveSeed, type Rng, splitmix32, xoshiro128ss } from "./rng.js";
export { type ScalingPoint, scaling, type ThroughputPoint } from "./scaling.js";
export { type Summary, summarize } from "./summary.js";
