/** "Did you mean" for a misspelled key or value: the one edit-distance helper. */

/** How close a known word must be to be offered. */
export interface Closeness {
  /** Most edits allowed; by default 2, or a third of the given word's length when longer. */
  within?: number;
  /** Count a change of case as an edit (the `; known:` hints do); by default case is ignored. */
  caseSensitive?: boolean;
}

/** The closest of `known` to `given` (the first on a tie), when it is close enough. */
export function suggest(
  given: string,
  known: string[],
  closeness: Closeness = {},
): string | undefined {
  const { distance } = require("fastest-levenshtein") as typeof import("fastest-levenshtein");
  const fold = (s: string) => (closeness.caseSensitive ? s : s.toLowerCase());
  const within = closeness.within ?? Math.max(2, Math.floor(given.length / 3));
  let best: string | undefined;
  let bestScore = Infinity;
  for (const k of known) {
    const d = distance(fold(given), fold(k));
    if (d < bestScore) [best, bestScore] = [k, d];
  }
  return bestScore <= within ? best : undefined;
}

/** `; did you mean x?` when a known key is close, else `; known: a, b, c`. */
export function didYouMean(key: string, known: string[], closeness?: Closeness): string {
  const best = suggest(key, known, closeness);
  return best ? `; did you mean ${best}?` : `; known: ${known.join(", ")}`;
}

/** The strict closeness of the top-level, demo and apps hints: two edits, case counted. */
export const WITHIN_TWO: Closeness = { within: 2, caseSensitive: true };
