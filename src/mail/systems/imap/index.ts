export { ImapSystem } from './imap-system.ts';
export { compileImapOptions, type ImapOptions, type CompiledImapOptions } from './imap-options.ts';
export { MOVING_KEYWORD } from './imap-moves.ts';
