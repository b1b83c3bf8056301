import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalize } from './canonical-json.ts';
import { isWritError } from '../errors/index.ts';

const VECTORS = '/work/shared/data/vectors/rfc8785';

/** A float64 from its IEEE 754 bit pattern, so the test does not trust JS literal parsing. */
function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

test('RFC 8785 Appendix B number serialisations', () => {
  const cases: Array<[string, string]> = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'], // minus zero
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  for (const [bits, expected] of cases) {
    assert.equal(canonicalize(fromBits(bits)), expected, `bits ${bits}`);
  }
  for (const bits of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']) {
    assert.throws(() => canonicalize([fromBits(bits)]), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
  }
});

test('RFC 8785 §3.2.2 example: literals, numbers and string escaping', () => {
  const input = {
    numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001],
    string: '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/',
    literals: [null, true, false],
  };
  assert.equal(
    canonicalize(input),
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
      '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
  );
});

test('keys sort by UTF-16 code units, not code points or locale (RFC 8785 §3.2.3)', () => {
  const input = {
    '\u20ac': 'Euro Sign',
    '\r': 'Carriage Return',
    '\ufb33': 'Hebrew Letter Dalet With Dagesh',
    '1': 'One',
    '\ud83d\ude00': 'Emoji: Grinning Face',
    '\u0080': 'Control',
    '\u00f6': 'Latin Small Letter O With Diaeresis',
    péché: 'p-e-acute', // locale order would put these two differently
    pêche: 'p-e-circumflex',
  };
  // U+1F600 (surrogates D83D DE00) sorts before U+FB33 in UTF-16 though it is the larger code point.
  // (Compared as text: JSON.parse would move the integer-like key "1" to the front.)
  assert.equal(
    canonicalize(input),
    '{"\\r":"Carriage Return","1":"One","péché":"p-e-acute","pêche":"p-e-circumflex",' +
      '"\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign",' +
      '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  );
});

test('nested structures are sorted at every depth and emitted without whitespace', () => {
  const input = { b: [{ z: 1, a: [{ y: null, x: 'v' }] }, []], a: { d: {}, c: { f: false, e: true } } };
  assert.equal(canonicalize(input), '{"a":{"c":{"e":true,"f":false},"d":{}},"b":[{"a":[{"x":"v","y":null}],"z":1},[]]}');
  // Insertion order must not matter.
  assert.equal(canonicalize({ y: 1, x: 2 }), canonicalize({ x: 2, y: 1 }));
  assert.equal(canonicalize(Object.assign(Object.create(null), { k: 1 })), '{"k":1}');
});

test('strings: C0 controls lowercase-escaped, U+2028 and non-ASCII emitted as is, pairs kept', () => {
  assert.equal(canonicalize('\u0000\u001f\b\t\n\f\r'), '"\\u0000\\u001f\\b\\t\\n\\f\\r"');
  assert.equal(canonicalize('\u2028\u2029\u007f'), '"\u2028\u2029\u007f"');
  assert.equal(canonicalize('A\u030a'), '"A\u030a"'); // no Unicode normalisation
  assert.equal(canonicalize('\ud83d\ude02'), '"\ud83d\ude02"');
});

test('rejects what JSON cannot say, naming the path', () => {
  const rejected: Array<[unknown, RegExp]> = [
    [{ a: undefined }, /\$\.a/],
    [[1, undefined], /\$\[1\]/],
    [{ f: () => 1 }, /function/],
    [{ n: 10n }, /bigint/],
    [{ s: Symbol('x') }, /symbol/],
    [{ d: new Date(0) }, /Date is not a plain object/],
    [{ m: new Map() }, /Map/],
    [{ x: { y: Number.NaN } }, /\$\.x\.y/],
    [{ s: 'ok\ud800' }, /lone UTF-16 surrogate/],
    [{ s: '\udead' }, /lone UTF-16 surrogate/],
    [{ ['\udc00key']: 1 }, /lone UTF-16 surrogate/],
    [new Array(2), /\$\[0\]/], // holes are undefined
  ];
  for (const [value, message] of rejected) {
    assert.throws(
      () => canonicalize(value),
      (e) => isWritError(e, 'WRIT_INPUT_INVALID') && message.test(e.message),
      String(message),
    );
  }
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  assert.throws(() => canonicalize(cyclic), /cycle/);
  // A shared (not cyclic) reference is fine.
  const shared = { v: 1 };
  assert.equal(canonicalize({ a: shared, b: shared }), '{"a":{"v":1},"b":{"v":1}}');
});

test('conformance vectors from the RFC author, when shared/ is present', (t) => {
  if (!existsSync(VECTORS)) {
    t.diagnostic(`${VECTORS} absent; embedded RFC cases above still ran`);
    return;
  }
  const names = readdirSync(join(VECTORS, 'input')).filter((n) => n.endsWith('.json'));
  assert.ok(names.length >= 6, 'expected the six published vectors');
  for (const name of names) {
    const input: unknown = JSON.parse(readFileSync(join(VECTORS, 'input', name), 'utf8'));
    const expected = readFileSync(join(VECTORS, 'output', name));
    assert.ok(Buffer.from(canonicalize(input), 'utf8').equals(expected), name);
  }
});
