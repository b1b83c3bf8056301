/**
 * The one import of the Cedar engine. The package's default (`esm`) entry imports the
 * `.wasm` file as a module, which Node 20 cannot load; the `nodejs` entry reads it with fs.
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';

export { cedar };
export type {
  AuthorizationAnswer,
  DetailedError,
  EntityJson,
  PolicyJson,
  SchemaJson,
} from '@cedar-policy/cedar-wasm/nodejs';

/** Cedar's message with its help text, on one line. */
export function describeCedarError(error: { message: string; help?: string | null }): string {
  const help = error.help === null || error.help === undefined || error.help === '' ? '' : ` (${error.help})`;
  return `${error.message}${help}`.replace(/\s*\n\s*/g, ' ');
}
