export { MaildirSystem, compileMaildirOptions, type MaildirOptions, type CompiledMaildirOptions } from './maildir-system.ts';
