export { loadConfig, type WritConfig } from './config.ts';
