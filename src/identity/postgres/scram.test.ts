import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { computeScramVerifier, parseScramVerifier, scramVerifierAccepts } from './scram.ts';

test('the verifier reproduces the RFC 7677 SCRAM-SHA-256 exchange (client proof and server signature)', () => {
  // RFC 7677 §3: user "user", password "pencil".
  const verifier = computeScramVerifier('pencil', { salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), iterations: 4096 });
  const v = parseScramVerifier(verifier);
  assert.ok(v);
  const authMessage =
    'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  // The server's check: ClientKey = proof XOR HMAC(StoredKey, AuthMessage); H(ClientKey) == StoredKey.
  const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
  const signature = createHmac('sha256', v.storedKey).update(authMessage).digest();
  const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
  assert.deepEqual(createHash('sha256').update(clientKey).digest(), v.storedKey);
  assert.equal(createHmac('sha256', v.serverKey).update(authMessage).digest('base64'), '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
});

test('scramVerifierAccepts: the right password only', () => {
  const verifier = computeScramVerifier('correct horse');
  assert.equal(scramVerifierAccepts(verifier, 'correct horse'), true);
  assert.equal(scramVerifierAccepts(verifier, 'correct horse '), false);
  assert.equal(scramVerifierAccepts('md5abcdef', 'correct horse'), false);
  assert.notEqual(computeScramVerifier('x'), computeScramVerifier('x'), 'a fresh salt each time');
});
