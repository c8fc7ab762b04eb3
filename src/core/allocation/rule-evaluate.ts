/**
 * Fills the columns of rule meters from their operands' columns.
 */
import { compileRules, type CompiledRule, type RuleMeter } from './rule-formula.js';

/** Per-meter columns, aligned with the site's meter list (same shape as AllocationInput). */
export interface RuleColumns {
  n: number;
  im: Float64Array[];
  ex: Float64Array[];
  present: Uint8Array[];
}

/**
 * Runs compiled rules in their topological order, overwriting each rule
 * meter's `im`, `ex` and `present` columns in place (the caller allocates
 * them, length n).
 *
 * im = Σ sign·im_k and ex = Σ sign·ex_k, summed from 0 in formula order.
 * A rule value is present only where ALL operands are present: treating a
 * missing operand as 0 would turn `house - apt1 - apt2` with apt2 missing
 * into an inflated "common areas" figure, silently wrong rather than absent.
 * Where absent, im = ex = 0 (allocation counts absent values as 0 anyway).
 */
export function runRules(rules: readonly CompiledRule[], cols: RuleColumns): void {
  const n = cols.n;
  for (const rule of rules) {
    const im = cols.im[rule.target];
    const ex = cols.ex[rule.target];
    const pr = cols.present[rule.target];
    const k = rule.operands.length;
    pr.fill(1);
    im.fill(0);
    ex.fill(0);
    // Column-wise: one pass per operand keeps the inner loop a straight
    // array sweep; the per-interval order of additions is still formula order.
    for (let j = 0; j < k; j++) {
      const o = rule.operands[j];
      const s = rule.signs[j];
      const oim = cols.im[o];
      const oex = cols.ex[o];
      const opr = cols.present[o];
      for (let t = 0; t < n; t++) {
        if (opr[t] === 0) pr[t] = 0;
        im[t] += s * oim[t];
        ex[t] += s * oex[t];
      }
    }
    // Absent operands may hold anything (NaN, stale values): zero the result there.
    for (let t = 0; t < n; t++) {
      if (pr[t] === 0) {
        im[t] = 0;
        ex[t] = 0;
      }
    }
  }
}

/** Checks, orders and evaluates a site's rules (meters and columns aligned by index). */
export function evaluateRules(meters: readonly RuleMeter[], cols: RuleColumns): void {
  runRules(compileRules(meters), cols);
}
