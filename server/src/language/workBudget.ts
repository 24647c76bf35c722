// Work on the whole workspace is bounded by a budget counted in steps (folders visited,
// applications recorded, patches matched), never in clock time: the same workspace is judged
// the same way on a busy machine and a quiet one, by one CLI thread or several, and by the
// language server. When a budget runs out the work stops where it is and says so; nothing
// loops or runs on for hours because of one pathological file.

/** The code of the finding that says a file was not fully judged (the work budget ran out). */
export const NOT_FULLY_JUDGED = 'flux-oci/not-fully-judged';

/** Why a piece of workspace work stopped before it was done (kept for messages and logs). */
export interface WorkShortfall {
  /** What was being computed, in words ("the apply graph"). */
  what: string;
  /** The limit that was reached, in steps. */
  limit: number;
  /** Where the work was when it stopped (a file URI), when known. */
  at?: string;
}

/** Thrown by `WorkBudget.spend` when the budget is used up; caught by whoever owns the work. */
export class BudgetExhausted extends Error {
  constructor(readonly shortfall: WorkShortfall) {
    super(`${shortfall.what} stopped after ${shortfall.limit} steps`);
  }
}

export class WorkBudget {
  private used = 0;
  /** Steps since the last time the owner yielded to other work (see `shouldYield`). */
  private sinceYield = 0;
  /** Where the work is now (named in the shortfall). */
  at: string | undefined;

  constructor(readonly what: string, readonly limit: number, private readonly sliceSteps = 4000) {}

  get spent(): number {
    return this.used;
  }

  /** Counts `steps` of work; throws BudgetExhausted once the limit is passed. */
  spend(steps = 1): void {
    this.used += steps;
    this.sinceYield += steps;
    if (this.used > this.limit) throw new BudgetExhausted({ what: this.what, limit: this.limit, ...(this.at ? { at: this.at } : {}) });
  }

  /** True once a slice's worth of steps was spent since the last yield (and starts the next slice). */
  shouldYield(): boolean {
    if (this.sinceYield < this.sliceSteps) return false;
    this.sinceYield = 0;
    return true;
  }
}

/**
 * The steps the apply graph may take for a workspace of this many files: generous for real
 * fleets (a 10,000-file fleet whose Kustomizations each apply their own folder needs well under a
 * tenth of it), and reached only where Kustomizations apply each other's folders by the hundred.
 */
export function applyGraphBudget(files: number): number {
  return 2_000_000 + 200 * files;
}
