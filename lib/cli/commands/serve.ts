/**
 * `recforge serve`: a saved model behind an HTTP server on loopback until SIGINT / SIGTERM, then a
 * graceful shutdown (no new connections, requests in flight answered, exit 0). A second signal
 * during shutdown exits at once with 130.
 * @internal
 * @module
 */
import { loadModel } from '../../model-file.js';
import { createServer } from '../../server/server.js';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve a saved model over HTTP (GET /recommend, /similar-items, /health; POST /fold-in) until SIGINT/SIGTERM',
  flags: {
    model: { kind: 'string', help: 'model file written by recforge train --save', required: true },
    port: { kind: 'int', help: 'TCP port (0 = any free port; the address is printed)', required: true, min: 0 },
    host: { kind: 'string', help: 'address to bind (default 127.0.0.1; a non-loopback address is warned about: no authentication)' },
    threads: { kind: 'int', help: 'worker threads for batched / async work (default: all cores)', min: 0 },
    log: { kind: 'bool', help: 'log every request as a JSON line on stdout' },
  },
  async run(flags) {
    const port = flags.port as number;
    if (port > 65535) throw new UsageError(`--port must be <= 65535, got ${port}`);
    const host = (flags.host as string | undefined) ?? '127.0.0.1';
    if (!LOOPBACK.has(host)) process.stderr.write(`recforge serve: warning: ${host} is not loopback; the server has no authentication\n`);
    const model = await loadModel(flags.model as string, { threads: flags.threads as number | undefined });
    try {
      const server = createServer(model, { host, port, logger: flags.log === true });
      const stop = nextSignal();
      const { url } = await server.listen();
      process.stdout.write(`recforge serve: listening on ${url} (${model.kind}, ${model.nUsers} users x ${model.nItems} items, dim ${model.dim})\n`);
      const signal = await stop;
      process.stdout.write(`recforge serve: ${signal}, finishing requests in flight\n`);
      await server.close();
      process.stdout.write('recforge serve: stopped\n');
    } finally {
      model.dispose();
    }
  },
};

/** Resolves on the first SIGINT or SIGTERM; a second one exits the process with 130. */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let seen = false;
    const on = (signal: NodeJS.Signals) => {
      if (seen) {
        process.stderr.write(`recforge serve: second ${signal}, exiting now\n`);
        process.exit(130);
      }
      seen = true;
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
