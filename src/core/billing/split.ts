/**
 * Splitting an integer amount (mWh) by weights so that the parts are
 * integers that add up to exactly the amount: the largest-remainder method.
 * Each part is within one unit of its exact proportional share.
 */

/** Parts of `amount` proportional to `weights` (Σ weights > 0), summing to `amount` exactly. */
export function splitByWeights(amount: number, weights: ArrayLike<number>, totalWeight: number): number[] {
  const n = weights.length;
  const parts = new Array<number>(n);
  const rema = new Float64Array(n);
  let given = 0;
  for (let i = 0; i < n; i++) {
    const exact = (amount * weights[i]) / totalWeight;
    const fl = Math.floor(exact);
    parts[i] = fl;
    rema[i] = exact - fl;
    given += fl;
  }
  let left = amount - given;
  if (left > 0) {
    // the largest remainders get one unit each; ties go to the earlier index, so the result is deterministic
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rema[b] - rema[a] || a - b);
    for (let j = 0; left > 0; j = (j + 1) % n, left--) parts[order[j]]++;
  }
  return parts;
}
