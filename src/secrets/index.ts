export { Fingerprinter, loadOrCreateFingerprintKey, FINGERPRINT_KEY_BYTES } from './fingerprint.ts';
export { Redactor } from './redaction.ts';
export {
  REDACT_PATHS,
  SECRET_FIELD_NAMES,
  isSecretName,
  secretKindOf,
  nameWords,
  type SecretKind,
} from './secret-names.ts';
export { readOrCreateKeyFile, unreadable, type KeyFileOptions } from './key-file.ts';
