// Flux's post-build substitution language, case by case, with expectations written by hand from
// the documented behaviour (bash parameter expansion as Flux's engine implements it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SubstitutionError, substituteVariables, type VariableValue } from '../../server/src/render/envsubst';

const vars = (o: Record<string, string>) => new Map<string, VariableValue>(Object.entries(o).map(([k, v]) => [k, { kind: 'value', value: v }]));
const sub = (text: string, o: Record<string, string> = {}, strict = false) => substituteVariables(text, vars(o), { strict }).text;

test('envsubst: ${NAME} and text around it; a bare $NAME is not substituted', () => {
  assert.equal(sub('host: ${APP}.${DOMAIN}', { APP: 'web', DOMAIN: 'example.com' }), 'host: web.example.com');
  assert.equal(sub('$APP and ${APP}', { APP: 'x' }), '$APP and x');
});

test('envsubst: defaults (=, :=, :-, :?, :+ all give the default when the value is empty), nested', () => {
  assert.equal(sub('${A=one}|${A:=two}|${A:-three}|${A:?four}|${A:+five}'), 'one|two|three|four|five');
  assert.equal(sub('${A:=one}', { A: 'set' }), 'set');
  assert.equal(sub('${A:=one}', { A: '' }), 'one');
  assert.equal(sub('${A:=${B}-suffix}', { B: 'b' }), 'b-suffix');
  assert.equal(sub('${A:=pre${B}post}', { B: 'b' }), 'prebpost');
  assert.equal(sub('${A:-}'), '');
});

test('envsubst: $$ is a literal $; $${NAME} stays ${NAME} (its inside is still read)', () => {
  assert.equal(sub('$${APP}', { APP: 'x' }), '${APP}');
  assert.equal(sub('costs $$5 and $$$${APP}', { APP: 'x' }), 'costs $5 and $${APP}');
  assert.equal(sub('$$${APP}', { APP: 'x' }), '$x');
  assert.equal(sub('$${A=${B}}', { B: 'b' }), '${A=b}');
});

test('envsubst: string functions', () => {
  const o = { S: 'abcABC123ABCabc', F: 'bash.string.txt', P: '/home/bozo/ideas/thoughts', W: 'Word' };
  assert.equal(sub('${#F}', o), '15');
  assert.equal(sub('${W^}|${W^^}|${W,}|${W,,}', o), 'Word|WORD|word|word');
  assert.equal(sub('${P:11}|${P:11:5}', o), 'ideas/thoughts|ideas');
  assert.equal(sub('${F#*.}|${F##*.}|${F%.*}|${F%%.*}', o), 'string.txt|txt|bash.string|bash');
  assert.equal(sub('${S/abc/xyz}|${S//abc/xyz}|${S/#abc/XYZ}|${S/%abc/XYZ}', o), 'xyzABC123ABCabc|xyzABC123ABCxyz|XYZABC123ABCabc|abcABC123ABCXYZ');
  assert.equal(sub('${D/\\//-}|${D//\\//-}', { D: 'a/b/c' }), 'a-b/c|a-b-c');
  assert.equal(sub('${D/./}', { D: 'foo.bar' }), 'foobar');
  assert.equal(sub('${F#[a-c]*.}|${F%[!x]xt}', o), 'string.txt|bash.string.');
  // Many stars on a long value with no match: linear matching, so this ends (a backtracking
  // engine takes about n^7 steps per prefix tried here).
  const long = 'a'.repeat(3000);
  assert.equal(sub('${V#*a*a*a*a*a*a*b}', { V: long }), long);
});

test('envsubst: a variable with no value and no default is empty and reported; strict mode fails instead', () => {
  const lenient = substituteVariables('a${NOPE}b ${SET} ${D:=d}', vars({ SET: 's' }));
  assert.equal(lenient.text, 'ab s d');
  assert.deepEqual(lenient.missing, ['NOPE']);
  assert.throws(() => substituteVariables('a${NOPE}b', vars({}), { strict: true }), (e: unknown) => e instanceof SubstitutionError && /variable not set \(strict mode\): "NOPE"/.test(e.message));
  assert.equal(substituteVariables('${D:=d}', vars({}), { strict: true }).text, 'd', 'a default satisfies strict mode');
});

test('envsubst: malformed expressions fail, as they fail the Kustomization in Flux', () => {
  for (const bad of ['${}', '${A.B}', '${A', 'x ${A B}', '${A:=x', '${A/x}']) {
    assert.throws(() => sub(bad, { A: 'a' }), SubstitutionError, bad);
  }
  // Not expressions: left alone.
  assert.equal(sub('{A} $ {A} $(A) $'), '{A} $ {A} $(A) $');
});

test('envsubst: a variable whose value is unknown here (SOPS) keeps its expression as written', () => {
  const map = new Map<string, VariableValue>([['SECRET', { kind: 'unknown', why: 'SOPS' }], ['A', { kind: 'value', value: 'a' }]]);
  const result = substituteVariables('p=${SECRET:=x} a=${A}', map);
  assert.equal(result.text, 'p=${SECRET:=x} a=a');
  assert.deepEqual(result.unknown, ['SECRET']);
  const open = substituteVariables('${MAYBE} ${A}', map, { absent: 'unknown' });
  assert.equal(open.text, '${MAYBE} a', 'with an unread substituteFrom object, an absent variable is unknown, not empty');
  assert.deepEqual(open.missing, []);
});
