/**
 * Fitting a review into one GitHub comment. GitHub refuses a comment body over 65,536
 * characters, and then the pull request gets no review at all; so the least needed parts are
 * shortened, in order, and the comment says what was shortened.
 */

/** GitHub's limit for a comment body, in characters. */
export const COMMENT_LIMIT = 65_536;
/**
 * Left for what the workflow adds: the sticky-comment action appends a marker line naming the
 * comment (docs/github-actions/preview-comment.yml).
 */
export const COMMENT_RESERVE = 512;

/** A part of the comment. Only `body` lines are ever cut, from the end. */
export interface Block {
  head?: string[];
  body?: string[];
  tail?: string[];
  /** Blocks of the lowest rank are cut first; a block without one is never cut. */
  rank?: number;
  /** What the notice calls this kind of block when it was shortened, e.g. "the TOML diff". */
  label?: string;
  /**
   * What stands where `cut` body lines went: inside the block when some lines are kept, or
   * in place of the whole block (`all`).
   */
  cutNote?: (cut: number, all: boolean) => string[];
  /** The placeholder for the notice saying what was shortened; empty when nothing was. */
  notice?: true;
}

const noticeOf = (labels: string[]) =>
  `_Shortened to fit GitHub's ${COMMENT_LIMIT.toLocaleString("en-US")}-character comment limit: ` +
  `${labels.join(", ")}. Run \`npm run review\` locally for all of it._`;

function render(b: Block, keep: number, notice: string[]): string[] {
  if (b.notice) return notice;
  const body = b.body ?? [];
  const cut = body.length - keep;
  if (cut > 0 && keep === 0) return b.cutNote?.(cut, true) ?? [];
  return [
    ...(b.head ?? []),
    ...body.slice(0, keep),
    ...(cut > 0 ? (b.cutNote?.(cut, false) ?? []) : []),
    ...(b.tail ?? []),
  ];
}

/** Characters of `lines` as the comment holds them, each line ending in a newline. */
const size = (lines: string[]) => lines.reduce((n, l) => n + l.length + 1, 0);

/** How many body lines `b` keeps to be at most `target` characters (a diff may have 100,000). */
function shrink(b: Block, keep: number, target: number): number {
  const body = b.body ?? [];
  const fixed = size(b.head ?? []) + size(b.tail ?? []);
  let kept = size(body.slice(0, keep));
  while (keep > 0) {
    const cut = body.length - keep;
    if (fixed + kept + size(cut ? (b.cutNote?.(cut, false) ?? []) : []) <= target) return keep;
    keep--;
    kept -= body[keep].length + 1;
  }
  return 0;
}

/**
 * The blocks as one comment of at most `limit` characters: body lines cut from the end of
 * the lowest-ranked blocks first (the last block of a rank first), until it fits. If the
 * never-cut blocks alone are too long, the comment ends where the limit falls.
 */
export function fitComment(blocks: Block[], limit = COMMENT_LIMIT - COMMENT_RESERVE): string {
  const keep = blocks.map((b) => b.body?.length ?? 0);
  const labels = [
    ...new Set(blocks.flatMap((b) => (b.rank !== undefined && b.label ? [b.label] : []))),
  ];
  // The longest notice it could take is reserved up front, so adding it cannot overflow.
  const reserved = size(["", noticeOf(labels)]);
  const lengths = blocks.map((b, i) => size(render(b, keep[i], [])));
  let total = lengths.reduce((a, b) => a + b, 0);
  const cutLabels = new Set<string>();
  const ranks = [...new Set(blocks.flatMap((b) => (b.rank === undefined ? [] : [b.rank])))];
  for (const rank of ranks.sort((a, b) => a - b)) {
    for (let i = blocks.length - 1; i >= 0 && total + reserved > limit; i--) {
      if (blocks[i].rank !== rank || !keep[i]) continue;
      keep[i] = shrink(blocks[i], keep[i], lengths[i] - (total + reserved - limit));
      const now = size(render(blocks[i], keep[i], []));
      total += now - lengths[i];
      lengths[i] = now;
      if (blocks[i].label) cutLabels.add(blocks[i].label!);
    }
  }
  const notice = cutLabels.size ? ["", noticeOf([...cutLabels])] : [];
  const lines = blocks.flatMap((b, i) => render(b, keep[i], notice));
  const text = lines.join("\n") + "\n";
  if (text.length <= limit) return text;
  const end =
    "\n_… cut here at GitHub's comment limit; run `npm run review` locally for all of it._\n";
  return text.slice(0, text.lastIndexOf("\n", limit - end.length)) + end;
}
