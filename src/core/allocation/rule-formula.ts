/**
 * Rule meters: a meter whose interval energy is a sum/difference of other
 * meters of the same site (`"<house> - <apt1> - <apt2>"` for common areas).
 * This file parses and checks formulas; rule-evaluate.ts runs them over columns.
 */
import { KwhubError } from '../errors.js';

export interface RuleTerm {
  sign: 1 | -1;
  meterId: string;
}

/** The meter fields rules care about; `rule` null/undefined means a physical meter. */
export interface RuleMeter {
  id: string;
  rule?: string | null;
}

const EXPECTED = 'expected a sum/difference of 24-hex meter ids, e.g. "<id1> - <id2> + <id3>"';
const ID_RE = /^[0-9a-f]{24}$/i;

function invalid(message: string): KwhubError {
  return new KwhubError('rule.invalid', message);
}

/**
 * Parses `[+|-] id ((+|-) id)*` with free-form whitespace. Ids are
 * lowercased: object ids are conventionally lowercase and the check against
 * the site's meters must not fail on case alone. A repeated operand is
 * allowed (`a + a` is 2a): it is well defined, and rejecting it buys nothing.
 */
export function parseRule(formula: string): RuleTerm[] {
  if (typeof formula !== 'string' || formula.trim() === '') {
    throw invalid(`empty rule formula: ${EXPECTED}`);
  }
  const terms: RuleTerm[] = [];
  let sign: 1 | -1 | null = null; // operator seen since the last id
  let i = 0;
  const len = formula.length;
  while (i < len) {
    const ch = formula[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '+' || ch === '-') {
      if (sign !== null) {
        throw invalid(`unexpected "${ch}" at position ${i} of rule "${formula}" (two operators in a row): ${EXPECTED}`);
      }
      sign = ch === '+' ? 1 : -1;
      i++;
      continue;
    }
    // A "word" runs to the next whitespace or operator, so that a bad token is
    // reported whole ("61dfcb4b…x9f", "house", "2*abc…") rather than char by char.
    let j = i;
    while (j < len && !/\s/.test(formula[j]) && formula[j] !== '+' && formula[j] !== '-') j++;
    const token = formula.slice(i, j);
    if (!ID_RE.test(token)) {
      throw invalid(`bad token "${token}" at position ${i} of rule "${formula}": ${EXPECTED}`);
    }
    if (sign === null && terms.length > 0) {
      throw invalid(`missing "+" or "-" before "${token}" at position ${i} of rule "${formula}": ${EXPECTED}`);
    }
    terms.push({ sign: sign ?? 1, meterId: token.toLowerCase() });
    sign = null;
    i = j;
  }
  if (sign !== null) {
    throw invalid(`rule "${formula}" ends with an operator: ${EXPECTED}`);
  }
  return terms;
}

/** Parsed rules of one site, keyed by (lowercased) meter id. */
interface ParsedSite {
  ids: Map<string, string>; // lowercased id -> id as given
  rules: Map<string, RuleTerm[]>; // lowercased id of a rule meter -> its terms
}

function parseSite(meters: readonly RuleMeter[]): ParsedSite {
  const ids = new Map<string, string>();
  for (const m of meters) ids.set(m.id.toLowerCase(), m.id);
  const rules = new Map<string, RuleTerm[]>();
  for (const m of meters) {
    if (m.rule == null) continue;
    let terms: RuleTerm[];
    try {
      terms = parseRule(m.rule);
    } catch (e) {
      if (e instanceof KwhubError) throw invalid(`meter ${m.id}: ${e.message}`);
      throw e;
    }
    for (const t of terms) {
      if (!ids.has(t.meterId)) {
        throw invalid(`rule of meter ${m.id} refers to ${t.meterId}, which is not a meter of this site`);
      }
    }
    rules.set(m.id.toLowerCase(), terms);
  }
  return { ids, rules };
}

/**
 * Topological order by depth-first search; a grey node met again closes a
 * cycle, reported as the path around it (self-reference is a 1-cycle).
 */
function orderOf(site: ParsedSite): string[] {
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const colour = new Map<string, number>();
  const order: string[] = [];
  const stack: string[] = [];
  const visit = (id: string): void => {
    const c = colour.get(id) ?? WHITE;
    if (c === BLACK) return;
    if (c === GREY) {
      const cycle = [...stack.slice(stack.indexOf(id)), id].map((k) => site.ids.get(k) ?? k);
      throw invalid(`rule cycle: ${cycle.join(' -> ')} (a rule meter may not depend on itself)`);
    }
    const terms = site.rules.get(id);
    if (terms === undefined) return; // physical meter: a leaf
    colour.set(id, GREY);
    stack.push(id);
    for (const t of terms) visit(t.meterId);
    stack.pop();
    colour.set(id, BLACK);
    order.push(id);
  };
  for (const id of site.rules.keys()) visit(id);
  return order.map((k) => site.ids.get(k) ?? k);
}

/**
 * Rejects, for the meters of ONE site, formulas that do not parse, operands
 * that are not meters of this site, and cycles. Throws KwhubError('rule.invalid').
 */
export function checkRules(meters: readonly RuleMeter[]): void {
  orderOf(parseSite(meters));
}

/** Ids of the rule meters in an order where every operand comes before its user. */
export function ruleOrder(meters: readonly RuleMeter[]): string[] {
  return orderOf(parseSite(meters));
}

/** One rule meter, compiled to column indices for the hot loop. */
export interface CompiledRule {
  /** index of the rule meter in the site's meter list */
  target: number;
  /** indices of the operands, in formula order */
  operands: Int32Array;
  /** +1/-1 per operand */
  signs: Float64Array;
}

/** Parses, checks and orders a site's rules once, so evaluation is index arithmetic only. */
export function compileRules(meters: readonly RuleMeter[]): CompiledRule[] {
  const site = parseSite(meters);
  const index = new Map<string, number>();
  meters.forEach((m, i) => index.set(m.id.toLowerCase(), i));
  return orderOf(site).map((id) => {
    const terms = site.rules.get(id.toLowerCase()) as RuleTerm[];
    return {
      target: index.get(id.toLowerCase()) as number,
      operands: Int32Array.from(terms, (t) => index.get(t.meterId) as number),
      signs: Float64Array.from(terms, (t) => t.sign),
    };
  });
}
