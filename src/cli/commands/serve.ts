import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { openApp } from '../../app/index.ts';
import { startServer } from '../../app/serve.ts';

export function register(program: Command): void {
  program
    .command('serve')
    .description('start Writ: the HTTP server and the workers (SIGTERM drains and stops)')
    .option('--port <port>', 'HTTP port (overrides WRIT_HTTP_PORT)')
    .option('--workers <n>', 'concurrent jobs in this process (overrides WRIT_WORKERS)')
    .action(async (options: { port?: string; workers?: string }) => {
      const env = { ...process.env };
      if (options.port !== undefined) env.WRIT_HTTP_PORT = options.port;
      if (options.workers !== undefined) env.WRIT_WORKERS = options.workers;
      const app = await openApp(loadConfig(env));
      const server = await startServer(app);
      app.logger.info({ url: server.url, database: app.store.engine, workers: app.config.jobs.workers }, 'writ is serving');
      process.stdout.write(`writ serving on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          app.logger.info({ signal }, 'shutting down');
          server.stop().then(resolve, (error: unknown) => {
            app.logger.error({ err: error }, 'shutdown failed');
            process.exitCode = 1;
            resolve();
          });
        };
        process.once('SIGTERM', () => shutdown('SIGTERM'));
        process.once('SIGINT', () => shutdown('SIGINT'));
      });
    });
}
