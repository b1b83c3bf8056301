export { buildHttpServer, type HttpServerOptions } from './http-server.ts';
export { API_ACTIONS, type ApiAction } from './api-actions.ts';
export { CSRF_HEADER, sessionCookieName } from './access-hook.ts';
