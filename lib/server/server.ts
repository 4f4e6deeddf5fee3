/**
 * An HTTP server for a trained model (fastify), to run alone (`recforge serve`) or inside a Node
 * backend:
 *
 * ```ts
 * const model = await loadModel('m.rfm');
 * const server = createServer(model, { port: 8080 });
 * const { url } = await server.listen();   // warms the model, then binds 127.0.0.1:8080
 * // GET  {url}/recommend?user=U&k=10   -> {"user": U, "items": [...], "scores": [...]}
 * // GET  {url}/similar-items?item=I&k=10, POST {url}/fold-in {"items": [...], "k": 10}, GET {url}/health
 * await server.close();                  // stops accepting, finishes in-flight requests
 * model.dispose();
 * ```
 *
 * Ids in requests and replies are the dataset's own (external ids when the data had string ids).
 * Bad input gets a 4xx JSON reply `{statusCode, error, message}`: 400 for a bad parameter or
 * malformed JSON, 404 for an unknown user, item or route, 415 for a body that is not JSON, 501
 * for an endpoint the model cannot serve.
 * @module
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { RecforgeError } from '../errors.js';
import { Interact2Vec } from '../interact2vec.js';
import { LightGCN } from '../lightgcn.js';
import type { SavedModel } from '../model-file.js';
import { errorReply } from './http-error.js';
import { registerRoutes } from './routes.js';
import { ServedModel } from './served-model.js';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** Address to bind (default `'127.0.0.1'`, loopback only). */
  host?: string;
  /** TCP port (default 0: any free port; {@link RecforgeServer.listen} tells which). */
  port?: number;
  /** Largest request body in bytes (default 1 MiB); larger bodies get 413. */
  bodyLimit?: number;
  /** Log each request as JSON lines on stdout (fastify's logger; default false). */
  logger?: boolean;
}

/** Where a listening server answers. */
export interface ServerAddress {
  /** The address bound, as given in {@link ServerOptions.host}. */
  host: string;
  /** The TCP port bound (the one picked when {@link ServerOptions.port} was 0). */
  port: number;
  /** `http://host:port` */
  url: string;
}

/** A server made by {@link createServer}. */
export interface RecforgeServer {
  /**
   * Computes the model's final embeddings if needed (off the event loop), then starts listening.
   * @throws RecforgeError E_IO when the address cannot be bound (in use, not local; the server is
   *   then closed), E_BUSY when already listening or closed (or the model is training: retry),
   *   E_DISPOSED for a disposed model.
   */
  listen(): Promise<ServerAddress>;
  /**
   * Graceful shutdown: stops accepting connections, answers 503 to new requests on open
   * connections, waits for the requests in flight, closes idle connections. The model stays
   * the caller's (dispose it after). Calling it again waits for the same shutdown.
   */
  close(): Promise<void>;
  /** The address while listening, else undefined. */
  readonly address: ServerAddress | undefined;
}

/**
 * Builds a server for `model` (a {@link LightGCN}, MF, Matryoshka or {@link Interact2Vec}, e.g.
 * from {@link loadModel}); it listens once {@link RecforgeServer.listen} is called. Single-user
 * recommendations of LightGCN-family models use the synchronous fast path
 * ({@link LightGCN.recommendSync}); everything heavier runs off the event loop.
 * @throws RecforgeError E_TYPE when `model` is not such a model, E_INVALID_ARG for a bad option.
 */
export function createServer(model: SavedModel, options: ServerOptions = {}): RecforgeServer {
  if (!(model instanceof LightGCN) && !(model instanceof Interact2Vec))
    throw new RecforgeError('E_TYPE', 'model must be a LightGCN, MF, Matryoshka or Interact2Vec model');
  const o = serverOptions(options);
  const app = Fastify({
    logger: o.logger,
    bodyLimit: o.bodyLimit,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Unknown parameters are a 400 (not dropped); no scalar-to-array coercion of JSON bodies.
    ajv: { customOptions: { removeAdditional: false, allowUnionTypes: true, coerceTypes: true } },
  });
  app.removeContentTypeParser('text/plain');  // bodies are JSON only: anything else is a 415
  app.setErrorHandler((e, _req, reply) => {
    const body = errorReply(e);
    if (body.statusCode >= 500) app.log.error(e);
    return reply.code(body.statusCode).send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));
  registerRoutes(app, new ServedModel(model));
  const server = new Server(app, model, o);
  // Replies sent during shutdown close their keep-alive connection, so close() need not wait
  // for clients to hang up (fastify closes only the connections idle when close() starts).
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (server.closing) reply.header('connection', 'close');
    done(null, payload);
  });
  return server;
}

/** The fastify-backed {@link RecforgeServer}. */
class Server implements RecforgeServer {
  #state: 'new' | 'listening' | 'closed' = 'new';
  #address?: ServerAddress;
  #closing?: Promise<void>;

  constructor(private readonly app: FastifyInstance, private readonly model: SavedModel, private readonly o: Required<ServerOptions>) {}

  /** True once close() was called. */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  get address(): ServerAddress | undefined {
    return this.#address;
  }

  async listen(): Promise<ServerAddress> {
    if (this.#state !== 'new') throw new RecforgeError('E_BUSY', `server is already ${this.#state === 'listening' ? 'listening' : 'closed'}`);
    this.#state = 'listening';
    try {
      if (this.model instanceof LightGCN) await this.model.warmup();
    } catch (e) {
      this.#state = 'new';  // e.g. E_BUSY during a training epoch: listen can be retried
      throw e;
    }
    try {
      // A deep accept queue (the kernel caps it at somaxconn): a burst of 1,000 connects must not
      // overflow Node's default 511 and wait for SYN retransmits (1 s, 3 s, 7 s, ...).
      await this.app.listen({ host: this.o.host, port: this.o.port, backlog: 4096 });
    } catch (e) {
      void this.close();  // fastify does not listen twice: a failed server is closed
      throw new RecforgeError('E_IO', `cannot listen on ${this.o.host}:${this.o.port} (${(e as Error).message})`, { cause: e });
    }
    const a = this.app.server.address();
    const port = typeof a === 'object' && a ? a.port : this.o.port;
    const host = this.o.host.includes(':') ? `[${this.o.host}]` : this.o.host;
    this.#address = { host: this.o.host, port, url: `http://${host}:${port}` };
    return this.#address;
  }

  close(): Promise<void> {
    if (!this.#closing) {
      this.#state = 'closed';
      this.#closing = this.app.close().then(() => {
        this.#address = undefined;
      });
    }
    return this.#closing;
  }
}

function serverOptions(options: ServerOptions): Required<ServerOptions> {
  if (options === null || typeof options !== 'object') throw new RecforgeError('E_TYPE', 'options must be an object');
  const { host = '127.0.0.1', port = 0, bodyLimit = 1 << 20, logger = false } = options;
  if (typeof host !== 'string' || host === '') throw new RecforgeError('E_INVALID_ARG', 'host must be a non-empty string');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RecforgeError('E_INVALID_ARG', `port must be an integer in [0, 65535], got ${String(port)}`);
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1) throw new RecforgeError('E_INVALID_ARG', `bodyLimit must be a positive integer, got ${String(bodyLimit)}`);
  if (typeof logger !== 'boolean') throw new RecforgeError('E_INVALID_ARG', 'logger must be a boolean');
  return { host, port, bodyLimit, logger };
}
