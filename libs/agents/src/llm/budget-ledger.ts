import { addSpend, Budget, exceeds, remainingSpend, Spend, ZERO_SPEND } from '@ideamine/contracts';
import { BudgetExceededError } from '../errors';

export interface BudgetReservation {
  readonly id: string;
  readonly amount: Spend;
  readonly label: string;
}

/**
 * Where spend is held before it happens and settled after. The LlmClient reserves an estimate
 * before every model call (prompt size, max output tokens, price) and every tool call, then
 * settles with what was actually used, or releases when nothing was. Reserving fails with
 * BudgetExceededError when the estimate does not fit, so a call that could overspend is never
 * made; the overshoot is bounded by one call's actual-minus-estimate.
 *
 * LocalBudgetLedger holds one task's budget in memory. A worker can put a shared run/phase ledger
 * (KV with compare-and-set, say) behind the same interface and stack them with nestedLedger, so
 * parallel tasks and phases compete for the same remainder by reservation.
 */
export interface BudgetLedger {
  reserve(amount: Spend, label: string): Promise<BudgetReservation>;
  /** Replaces the reservation by the actual spend. Never refused: what was spent was spent. */
  settle(reservation: BudgetReservation, actual: Spend): Promise<void>;
  /** Drops a reservation with nothing spent (the provider refused the request). */
  release(reservation: BudgetReservation): Promise<void>;
  /** What new reservations could still take; a shared ledger may answer from a recent view. */
  remaining(): Spend;
}

let nextId = 0;

export class LocalBudgetLedger implements BudgetLedger {
  private usedSoFar: Spend;
  private readonly held = new Map<string, Spend>();

  /** `used` seeds spend made before this ledger existed (an earlier attempt's journalled calls). */
  constructor(readonly limit: Budget, readonly scope = 'task', used: Spend = ZERO_SPEND) {
    this.usedSoFar = { ...used };
  }

  async reserve(amount: Spend, label: string): Promise<BudgetReservation> {
    const short = exceeds(this.limit, this.committed(), amount);
    if (short) {
      const zero = short.limit === 0 ? `; a ${this.scope} budget of 0 allows no spend` : '';
      throw new BudgetExceededError(short.dimension, short.limit, short.wouldUse, `${this.scope} budget, reserving for ${label}${zero}`);
    }
    const id = `${this.scope}-${++nextId}`;
    this.held.set(id, { ...amount });
    return { id, amount: { ...amount }, label };
  }

  async settle(r: BudgetReservation, actual: Spend): Promise<void> {
    this.take(r);
    this.usedSoFar = addSpend(this.usedSoFar, actual);
  }

  async release(r: BudgetReservation): Promise<void> {
    this.take(r);
  }

  remaining(): Spend {
    return remainingSpend(this.limit, this.committed());
  }

  used(): Spend {
    return { ...this.usedSoFar };
  }

  reserved(): Spend {
    return [...this.held.values()].reduce(addSpend, ZERO_SPEND);
  }

  private committed(): Spend {
    return addSpend(this.usedSoFar, this.reserved());
  }

  private take(r: BudgetReservation): void {
    // Settling twice would charge twice; that is a bug in the caller, not a budget condition.
    if (!this.held.delete(r.id)) throw new Error(`reservation ${r.id} (${r.label}) is not held by the ${this.scope} ledger: settled or released twice?`);
  }
}

/**
 * Ledgers nested innermost first (task, phase, run): a reservation must fit every one of them, and
 * one that fails rolls back what the others already hold.
 */
export function nestedLedger(...ledgers: BudgetLedger[]): BudgetLedger {
  if (!ledgers.length) throw new Error('nestedLedger needs at least one ledger');
  const parts = new Map<string, BudgetReservation[]>();
  return {
    async reserve(amount, label) {
      const held: BudgetReservation[] = [];
      try {
        for (const l of ledgers) held.push(await l.reserve(amount, label));
      } catch (err) {
        await Promise.all(held.map((r, i) => ledgers[i].release(r)));
        throw err;
      }
      const id = held.map((r) => r.id).join('+');
      parts.set(id, held);
      return { id, amount: { ...amount }, label };
    },
    async settle(r, actual) {
      const held = takeParts(parts, r);
      await Promise.all(held.map((p, i) => ledgers[i].settle(p, actual)));
    },
    async release(r) {
      const held = takeParts(parts, r);
      await Promise.all(held.map((p, i) => ledgers[i].release(p)));
    },
    remaining() {
      return ledgers.map((l) => l.remaining()).reduce((a, b) => ({ tokens: Math.min(a.tokens, b.tokens), usd: Math.min(a.usd, b.usd), toolMinutes: Math.min(a.toolMinutes, b.toolMinutes) }));
    },
  };
}

function takeParts(parts: Map<string, BudgetReservation[]>, r: BudgetReservation): BudgetReservation[] {
  const held = parts.get(r.id);
  if (!held) throw new Error(`reservation ${r.id} (${r.label}) is not held by this nested ledger: settled or released twice?`);
  parts.delete(r.id);
  return held;
}

