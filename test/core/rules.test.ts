import { describe, expect, it } from 'vitest';
import { allocate, type AllocationMeter } from '../../src/core/allocation/allocate.js';
import { evaluateRules } from '../../src/core/allocation/rule-evaluate.js';
import { checkRules, parseRule, ruleOrder, type RuleMeter } from '../../src/core/allocation/rule-formula.js';
import { KwhubError } from '../../src/core/errors.js';

const A = '61dfcb4beba4e3563fdf3d9f';
const B = '61dfcb80eba4e3563fdf3da2';
const C = '61dfcb8ceba4e3564021f374';
const D = '61dfcb97eba4e3564021f377';
const OTHER_SITE = '61dfca85eba4e3564021f36f';

/** the KwhubError a call throws (fails the test if it throws nothing or something else) */
function thrown(fn: () => unknown): KwhubError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KwhubError);
    expect((e as KwhubError).code).toBe('rule.invalid');
    return e as KwhubError;
  }
  throw new Error('expected a rule.invalid error');
}

describe('parseRule', () => {
  it('should parse sums and differences with free-form whitespace', () => {
    expect(parseRule(`${A} - ${B} + ${C}`)).toEqual([
      { sign: 1, meterId: A },
      { sign: -1, meterId: B },
      { sign: 1, meterId: C },
    ]);
    expect(parseRule(`  ${A}-${B}\t+\n${C} `)).toEqual(parseRule(`${A} - ${B} + ${C}`));
  });

  it('should accept a leading sign and a single operand', () => {
    expect(parseRule(`-${A} + ${B}`)).toEqual([
      { sign: -1, meterId: A },
      { sign: 1, meterId: B },
    ]);
    expect(parseRule(`+ ${A}`)).toEqual([{ sign: 1, meterId: A }]);
    expect(parseRule(A)).toEqual([{ sign: 1, meterId: A }]);
  });

  it('should lowercase ids', () => {
    expect(parseRule(A.toUpperCase())).toEqual([{ sign: 1, meterId: A }]);
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    [`${A} ${B}`, new RegExp(`missing "\\+" or "-" before "${B}"`)],
    [`${A} - - ${B}`, /two operators in a row/],
    [`${A} +`, /ends with an operator/],
    [`-`, /ends with an operator/],
    [`house - ${B}`, /bad token "house"/],
    [`${A.slice(0, 23)} - ${B}`, new RegExp(`bad token "${A.slice(0, 23)}"`)],
    [`${A}0 - ${B}`, new RegExp(`bad token "${A}0"`)],
    [`${A} * ${B}`, /bad token "\*"/],
    [`(${A} - ${B})`, /bad token "\(61dfcb4b/],
    [`${A} - 2`, /bad token "2"/],
  ])('should reject %j naming the bad token and the expected form', (formula, message) => {
    const e = thrown(() => parseRule(formula));
    expect(e.message).toMatch(message);
    expect(e.message).toMatch(/24-hex meter ids/);
  });
});

describe('checkRules and ruleOrder', () => {
  const physical: RuleMeter[] = [{ id: A }, { id: B }, { id: C, rule: null }];

  it('should accept physical meters only and a valid rule', () => {
    expect(() => checkRules(physical)).not.toThrow();
    expect(() => checkRules([...physical, { id: D, rule: `${A} - ${B} - ${C}` }])).not.toThrow();
    expect(ruleOrder(physical)).toEqual([]);
  });

  it('should reject an unknown id, saying it is not a meter of this site', () => {
    const e = thrown(() => checkRules([...physical, { id: D, rule: `${A} - ${OTHER_SITE}` }]));
    expect(e.message).toContain(OTHER_SITE);
    expect(e.message).toContain(D);
    expect(e.message).toMatch(/not a meter of this site/);
  });

  it("should reject another site's meter id even if that meter exists elsewhere", () => {
    const otherSite: RuleMeter[] = [{ id: OTHER_SITE }];
    expect(() => checkRules(otherSite)).not.toThrow();
    const e = thrown(() => checkRules([{ id: A }, { id: B, rule: `${A} + ${OTHER_SITE}` }]));
    expect(e.message).toMatch(/not a meter of this site/);
  });

  it('should reject a formula that does not parse, naming the meter', () => {
    const e = thrown(() => checkRules([{ id: A }, { id: B, rule: `${A} -` }]));
    expect(e.message).toContain(B);
  });

  it('should reject self-reference', () => {
    const e = thrown(() => checkRules([{ id: A }, { id: B, rule: `${A} - ${B}` }]));
    expect(e.message).toMatch(/cycle/);
    expect(e.message).toContain(`${B} -> ${B}`);
  });

  it('should reject a 2-cycle and a 3-cycle, naming the cycle', () => {
    const two = thrown(() => checkRules([{ id: A, rule: B }, { id: B, rule: `+${A}` }]));
    expect(two.message).toMatch(new RegExp(`${A} -> ${B} -> ${A}|${B} -> ${A} -> ${B}`));
    const three = thrown(() =>
      checkRules([{ id: D }, { id: A, rule: `${B} - ${D}` }, { id: B, rule: C }, { id: C, rule: `${A} + ${D}` }]),
    );
    expect(three.message).toContain(`${A} -> ${B} -> ${C} -> ${A}`);
  });

  it('should order nested rules so operands come first', () => {
    // D = C - A, C = B + A: C must be evaluated before D whatever the list order
    const meters: RuleMeter[] = [{ id: D, rule: `${C} - ${A}` }, { id: C, rule: `${B} + ${A}` }, { id: A }, { id: B }];
    expect(ruleOrder(meters)).toEqual([C, D]);
  });

  it('should allow a diamond (two rules sharing an operand that is itself a rule)', () => {
    const meters: RuleMeter[] = [{ id: A }, { id: B, rule: A }, { id: C, rule: `${B} + ${A}` }, { id: D, rule: `${B} - ${C}` }];
    expect(ruleOrder(meters)).toEqual([B, C, D]);
  });
});

/** per-meter columns for n intervals from plain arrays */
function columns(values: { im: number[]; ex?: number[]; present?: number[] }[]) {
  const n = values[0].im.length;
  return {
    n,
    im: values.map((v) => Float64Array.from(v.im)),
    ex: values.map((v) => Float64Array.from(v.ex ?? new Array(n).fill(0))),
    present: values.map((v) => Uint8Array.from(v.present ?? new Array(n).fill(1))),
  };
}

describe('evaluateRules', () => {
  it('should evaluate nested rules in order, im and ex separately', () => {
    const meters: RuleMeter[] = [{ id: D, rule: `${C} - ${A}` }, { id: C, rule: `${B} + ${A}` }, { id: A }, { id: B }];
    const cols = columns([{ im: [99, 99] }, { im: [99, 99] }, { im: [1, 2], ex: [0.5, 0] }, { im: [10, 20], ex: [1, 1] }]);
    evaluateRules(meters, cols);
    expect(Array.from(cols.im[1])).toEqual([11, 22]);
    expect(Array.from(cols.ex[1])).toEqual([1.5, 1]);
    expect(Array.from(cols.im[0])).toEqual([10, 20]);
    expect(Array.from(cols.ex[0])).toEqual([1, 1]);
  });

  it('should make a rule value absent where any operand is absent, also through nesting', () => {
    const meters: RuleMeter[] = [{ id: A }, { id: B }, { id: C, rule: `${A} - ${B}` }, { id: D, rule: `-${C}` }];
    const cols = columns([
      { im: [5, 5, 5], present: [1, 0, 1] },
      { im: [1, Number.NaN, 2], present: [1, 0, 1] },
      { im: [0, 0, 0] },
      { im: [0, 0, 0] },
    ]);
    cols.present[1][2] = 0; // B absent at 2 too
    evaluateRules(meters, cols);
    expect(Array.from(cols.present[2])).toEqual([1, 0, 0]);
    expect(Array.from(cols.im[2])).toEqual([4, 0, 0]);
    expect(Array.from(cols.present[3])).toEqual([1, 0, 0]);
    expect(Array.from(cols.im[3])).toEqual([-4, 0, 0]);
  });

  it('should keep a group meter out of the balance so nothing counts twice', () => {
    const house = A;
    const apt1 = B;
    const apt2 = C;
    const common = D;
    const rules: RuleMeter[] = [{ id: house }, { id: apt1 }, { id: apt2 }, { id: common, rule: `${house} - ${apt1} - ${apt2}` }];
    const meters: AllocationMeter[] = [
      { mode: 'consumption', type: 'electricity', inBalance: false },
      { mode: 'consumption', type: 'electricity', inBalance: true },
      { mode: 'consumption', type: 'electricity', inBalance: true },
      { mode: 'consumption', type: 'electricity', inBalance: true },
    ];
    const cols = columns([{ im: [10, 7.5, 3] }, { im: [4, 2.5, 1] }, { im: [5, 1, 1.5] }, { im: [0, 0, 0] }]);
    evaluateRules(rules, cols);
    const r = allocate({ meters, ...cols });
    for (let t = 0; t < 3; t++) expect(r.site.conso_total[t]).toBeCloseTo(cols.im[0][t], 12);
    expect(Array.from(r.meters[3].total)).toEqual([1, 4, 0.5]);
    // the group meter keeps its own total but has no share
    expect(Array.from(r.meters[0].total)).toEqual([10, 7.5, 3]);
    expect(Number.isNaN(r.meters[0].self[0])).toBe(true);
  });
});
