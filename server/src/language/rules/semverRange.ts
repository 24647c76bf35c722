// Validates version constraints the way Flux reads them: Masterminds/semver v3 syntax.
// It differs from node-semver: a comma means AND (`>= 1.0, < 2.0`), `~>` is accepted, operators
// may be followed by spaces, and `x`, `X` or `*` stand for any number. The npm `semver` package
// rejects several of these, so this small parser is the reference here.

export interface RangeProblem {
  /** Offset in the constraint text where the problem starts. */
  offset: number;
  message: string;
}

const NUMBER_OR_WILDCARD = /^(?:0|[1-9][0-9]*|[xX*])$/;
const IDENTIFIERS = /^[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*$/;
const OPERATORS = ['!=', '>=', '=>', '<=', '=<', '~>', '>', '<', '=', '~', '^'];

/** A version as Masterminds accepts it in constraints: optional `v`, 1 to 3 parts, pre-release, build. */
export function isConstraintVersion(text: string): boolean {
  let rest = text.startsWith('v') || text.startsWith('V') ? text.slice(1) : text;
  const plus = rest.indexOf('+');
  if (plus !== -1) {
    if (!IDENTIFIERS.test(rest.slice(plus + 1))) return false;
    rest = rest.slice(0, plus);
  }
  const dash = rest.indexOf('-');
  if (dash !== -1) {
    if (!IDENTIFIERS.test(rest.slice(dash + 1))) return false;
    rest = rest.slice(0, dash);
  }
  const parts = rest.split('.');
  return parts.length >= 1 && parts.length <= 3 && parts.every((p) => NUMBER_OR_WILDCARD.test(p) || /^[0-9]+$/.test(p));
}

/** Problems of a constraint such as `>=1.2.0 <2.0.0 || ^3`; empty when Flux accepts it. */
export function checkConstraint(text: string): RangeProblem[] {
  if (text.trim() === '') return [{ offset: 0, message: 'the version range is empty' }];
  const problems: RangeProblem[] = [];
  let groupStart = 0;
  for (const group of text.split('||')) {
    problems.push(...checkGroup(group, groupStart));
    groupStart += group.length + 2;
  }
  return problems;
}

function checkGroup(group: string, base: number): RangeProblem[] {
  if (group.trim() === '') return [{ offset: base, message: 'empty alternative around "||"' }];
  // Hyphen range: `1.2 - 1.4.5` (spaces around the dash are required).
  const hyphen = /^\s*(\S+)\s+-\s+(\S+)\s*$/.exec(group);
  if (hyphen) {
    const bad = [hyphen[1], hyphen[2]].find((v) => !isConstraintVersion(v));
    return bad ? [{ offset: base + group.indexOf(bad), message: `"${bad}" is not a version` }] : [];
  }
  const problems: RangeProblem[] = [];
  // Tokens: operators glue to the next version even across spaces (`>= 1.2`).
  const tokens: { text: string; offset: number }[] = [];
  const re = /[^\s,]+/g;
  let pendingOperator: { text: string; offset: number } | undefined;
  for (let m = re.exec(group); m; m = re.exec(group)) {
    const between = group.slice(pendingOperator ? pendingOperator.offset + pendingOperator.text.length : 0, m.index);
    if (pendingOperator) {
      if (between.includes(',')) {
        problems.push({ offset: base + pendingOperator.offset, message: `operator "${pendingOperator.text}" has no version` });
        pendingOperator = undefined;
      } else {
        tokens.push({ text: pendingOperator.text + m[0], offset: pendingOperator.offset });
        pendingOperator = undefined;
        continue;
      }
    }
    if (OPERATORS.includes(m[0])) pendingOperator = { text: m[0], offset: m.index };
    else tokens.push({ text: m[0], offset: m.index });
  }
  if (pendingOperator) problems.push({ offset: base + pendingOperator.offset, message: `operator "${pendingOperator.text}" has no version` });
  for (const token of tokens) {
    const operator = OPERATORS.find((op) => token.text.startsWith(op)) ?? '';
    const version = token.text.slice(operator.length);
    if (!isConstraintVersion(version)) {
      problems.push({ offset: base + token.offset, message: `"${token.text}" is not a version constraint (expected an operator such as >=, <, ~, ^ followed by a version like 1.2.3 or 1.x)` });
    }
  }
  return problems;
}
