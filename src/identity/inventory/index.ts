export {
  IDENTITY_KINDS,
  IDENTITY_CLASSES,
  LIFETIMES,
  DEPENDENT_KINDS,
  HUMAN_APPROVAL_CLASSES,
  FINGERPRINT_PATTERN,
  identityInputSchema,
  dependentSchema,
  type Identity,
  type IdentityInput,
  type IdentityKind,
  type IdentityClass,
  type Lifetime,
  type Dependent,
  type DependentKind,
} from './identity-schema.ts';
export { parseDuration } from './duration.ts';
export { importInventory, importInventoryYaml, importInventoryCsv, type ImportOptions } from './inventory-import.ts';
export { FingerprintIndex, type SecretFingerprinter, type IndexMatch, type IndexMatchBy } from './fingerprint-index.ts';
export { walkDependencyChain, type DependencyChain, type ChainNode, type WalkOptions } from './dependency-chain.ts';
export { Inventory } from './inventory.ts';
