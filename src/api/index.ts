export { buildHttpServer, type HttpServerOptions } from './http-server.ts';
