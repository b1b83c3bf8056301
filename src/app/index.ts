export { openApp, type App } from './open-app.ts';
export { createLogger } from './logger.ts';
