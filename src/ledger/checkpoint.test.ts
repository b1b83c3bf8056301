import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  checkpointBody,
  parseCheckpoint,
  parseVerifierKey,
  signNote,
  verifierKey,
  verifyCheckpoint,
} from './checkpoint.ts';
import { leafHash } from './merkle.ts';
import { isWritError } from '../errors/index.ts';

const ORIGIN = 'writ.test/ledger';
const ROOT = leafHash(Buffer.from('root'));
const log = generateKeyPairSync('ed25519');
const LOG_VKEY = verifierKey(ORIGIN, log.publicKey);
const signed = (size = 42, root = ROOT) =>
  signNote(checkpointBody(ORIGIN, size, root), { name: ORIGIN, privateKey: log.privateKey });

const ledgerInvalid = (pattern: RegExp) => (e: unknown) => isWritError(e, 'WRIT_LEDGER_INVALID') && pattern.test(e.message);

// The example in golang.org/x/mod/sumdb/note (the reference signed-note implementation):
// its key in Go's private-key text format, the verifier key and the signed note it publishes.
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

test('matches the Go sumdb/note reference example byte for byte', () => {
  const seed = Buffer.from(GO_SKEY.split('+').slice(4).join('+'), 'base64').subarray(1); // drop the 0x01 type byte
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  assert.equal(verifierKey('PeterNeumann', createPublicKey(privateKey)), GO_VKEY);
  assert.equal(signNote(GO_TEXT, { name: 'PeterNeumann', privateKey }), `${GO_TEXT}\n${GO_SIG}`);
  const parsed = parseVerifierKey(GO_VKEY);
  assert.equal(parsed.name, 'PeterNeumann');
  assert.equal(parsed.keyHash.toString('hex'), 'c74f20a3');
});

test('a checkpoint body is origin, decimal size and base64 root, each ending in a newline', () => {
  assert.equal(checkpointBody(ORIGIN, 0, Buffer.alloc(32)), `${ORIGIN}\n0\n${'A'.repeat(43)}=\n`);
  assert.equal(checkpointBody(ORIGIN, 20852163, ROOT), `${ORIGIN}\n20852163\n${ROOT.toString('base64')}\n`);
  for (const bad of [() => checkpointBody('', 1, ROOT), () => checkpointBody('a\nb', 1, ROOT),
    () => checkpointBody(ORIGIN, -1, ROOT), () => checkpointBody(ORIGIN, 1.5, ROOT), () => checkpointBody(ORIGIN, 1, Buffer.alloc(31))]) {
    assert.throws(bad, (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
  }
});

test('sign, parse and verify round-trip', () => {
  const note = signed();
  assert.match(note, new RegExp(`^${ORIGIN}\\n42\\n[A-Za-z0-9+/]{43}=\\n\\n— ${ORIGIN} [A-Za-z0-9+/]{91}=\\n$`));
  const parsed = parseCheckpoint(note);
  assert.equal(parsed.origin, ORIGIN);
  assert.equal(parsed.size, 42);
  assert.deepEqual(parsed.rootHash, ROOT);
  assert.equal(parsed.body, checkpointBody(ORIGIN, 42, ROOT));
  assert.deepEqual(verifyCheckpoint(note, LOG_VKEY), { origin: ORIGIN, size: 42, rootHash: ROOT });
});

test('a forged signature is rejected', () => {
  const note = signed();
  const sigLine = note.slice(note.lastIndexOf('— '));
  const blob = Buffer.from(sigLine.split(' ')[2] as string, 'base64');
  blob[10] = (blob[10] as number) ^ 1; // inside the Ed25519 signature, key ID intact
  const forged = note.replace(sigLine, `— ${ORIGIN} ${blob.toString('base64')}\n`);
  assert.throws(() => verifyCheckpoint(forged, LOG_VKEY), ledgerInvalid(/does not verify/));
  // A signature by another key under the same name and key ID is also forged.
  const other = generateKeyPairSync('ed25519');
  const impostor = signNote(checkpointBody(ORIGIN, 42, ROOT), { name: ORIGIN, privateKey: other.privateKey });
  const keyId = parseVerifierKey(LOG_VKEY).keyHash;
  const impostorBlob = Buffer.from(impostor.trimEnd().split(' ').pop() as string, 'base64');
  keyId.copy(impostorBlob, 0);
  const spoofed = `${checkpointBody(ORIGIN, 42, ROOT)}\n— ${ORIGIN} ${impostorBlob.toString('base64')}\n`;
  assert.throws(() => verifyCheckpoint(spoofed, LOG_VKEY), ledgerInvalid(/does not verify/));
});

test('a changed size or root under the original signature is rejected', () => {
  const note = signed(42);
  assert.throws(() => verifyCheckpoint(note.replace('\n42\n', '\n43\n'), LOG_VKEY), ledgerInvalid(/does not verify/));
  const otherRoot = leafHash(Buffer.from('other')).toString('base64');
  assert.throws(() => verifyCheckpoint(note.replace(ROOT.toString('base64'), otherRoot), LOG_VKEY), ledgerInvalid(/does not verify/));
  assert.throws(() => verifyCheckpoint(note.replace(ORIGIN, 'writ.test/other'), LOG_VKEY), ledgerInvalid(/does not verify/));
});

test('a wrong key name or an unknown key is rejected as not signed by the trusted key', () => {
  const note = signed();
  const renamed = note.replace(`— ${ORIGIN} `, '— writ.test/impostor ');
  assert.throws(() => verifyCheckpoint(renamed, LOG_VKEY), ledgerInvalid(/not signed by the trusted key .*signed by: writ\.test\/impostor/));
  const stranger = generateKeyPairSync('ed25519');
  assert.throws(() => verifyCheckpoint(note, verifierKey(ORIGIN, stranger.publicKey)), ledgerInvalid(/not signed by the trusted key/));
});

test('signatures by other keys (witness cosignatures) are ignored', () => {
  const witness = generateKeyPairSync('ed25519');
  const body = checkpointBody(ORIGIN, 7, ROOT);
  const bySelf = signNote(body, { name: ORIGIN, privateKey: log.privateKey });
  const byWitness = signNote(body, { name: 'witness.example/w1', privateKey: witness.privateKey });
  const cosigned = bySelf + byWitness.slice(body.length + 1);
  assert.equal(verifyCheckpoint(cosigned, LOG_VKEY).size, 7);
  assert.equal(verifyCheckpoint(cosigned, verifierKey('witness.example/w1', witness.publicKey)).size, 7);
  assert.equal(parseCheckpoint(cosigned).signatures.length, 2);
});

test('malformed notes are rejected with a one-line reason', () => {
  const body = checkpointBody(ORIGIN, 42, ROOT);
  const sig = signed().slice(body.length + 1);
  const cases: Array<[string, RegExp]> = [
    [body, /no blank line/],
    [`${body}\n`, /does not end in a newline|not "— /],
    [`${body}\n${sig.trimEnd()}`, /does not end in a newline/],
    [`${body}\n- ${ORIGIN} abc=\n`, /not "— <key name>/],
    [`${body}\n— ${ORIGIN} !!notbase64\n`, /not "— <key name>/],
    [`${ORIGIN}\n042\n${ROOT.toString('base64')}\n\n${sig}`, /leading zeros/],
    [`${ORIGIN}\n-1\n${ROOT.toString('base64')}\n\n${sig}`, /decimal integer/],
    [`${ORIGIN}\n1\n${ROOT.subarray(1).toString('base64')}\n\n${sig}`, /32 bytes/],
    [`${ORIGIN}\n1\n\n${sig}`, /origin, size and root/],
    [`${ORIGIN}\t\n1\n${ROOT.toString('base64')}\n\n${sig}`, /control character/],
    [`${body}\n${sig.repeat(101)}`, /more than 100 signatures/],
  ];
  for (const [note, reason] of cases) {
    assert.throws(() => parseCheckpoint(note), (e) => ledgerInvalid(reason)(e) && !(e as Error).message.includes('\n'), String(reason));
    assert.throws(() => verifyCheckpoint(note, LOG_VKEY), (e) => isWritError(e, 'WRIT_LEDGER_INVALID'));
  }
});

test('verifier keys: format, and rejection of mangled keys', () => {
  assert.match(LOG_VKEY, /^writ\.test\/ledger\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
  const parsed = parseVerifierKey(LOG_VKEY);
  assert.equal(parsed.name, ORIGIN);
  assert.deepEqual(
    parsed.publicKey.export({ format: 'der', type: 'spki' }),
    log.publicKey.export({ format: 'der', type: 'spki' }),
  );
  const [name, id, key] = [GO_VKEY.slice(0, 12), GO_VKEY.slice(13, 21), GO_VKEY.slice(22)];
  const mangled = [
    '', name, `${name}+${id}`, `+${id}+${key}`, `${name}+${id.toUpperCase()}+${key}`, `${name}+${id}0+${key}`,
    `${name}+cc469956+${key}`, `${name}+${id}+${key.slice(1)}`, `Peter Neumann+${id}+${key}`,
    `${name}+${id}+${Buffer.concat([Buffer.from([2]), Buffer.from(key, 'base64').subarray(1)]).toString('base64')}`,
  ];
  for (const text of mangled) {
    assert.throws(() => parseVerifierKey(text), (e) => isWritError(e, 'WRIT_INPUT_INVALID'), JSON.stringify(text));
  }
  assert.throws(() => verifierKey('bad name', log.publicKey), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
  assert.throws(() => verifierKey('a+b', log.publicKey), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  assert.throws(() => verifierKey(ORIGIN, rsa.publicKey), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
  assert.throws(() => signNote('x\n', { name: ORIGIN, privateKey: rsa.privateKey }), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
  assert.throws(() => signNote('no newline', { name: ORIGIN, privateKey: log.privateKey }), (e) => isWritError(e, 'WRIT_INPUT_INVALID'));
});
