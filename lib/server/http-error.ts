/**
 * How the server turns failures into 4xx / 5xx JSON replies: its own {@link HttpError}s (unknown
 * user or item, unsupported endpoint), fastify's (schema validation, malformed JSON, wrong
 * content type, body too large) and the library's {@link RecforgeError}s, each by its code.
 * @internal
 * @module
 */
import { STATUS_CODES } from 'node:http';
import { isRecforgeError, type ErrorCode } from '../errors.js';

/** A failure with its HTTP status, raised by the route handlers. */
export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The JSON body of every error reply. */
export interface ErrorBody {
  statusCode: number;
  /** The HTTP reason phrase ("Bad Request", "Not Found", ...). */
  error: string;
  /** What was wrong, naming the parameter or id. */
  message: string;
  /** The library's error code, when a RecforgeError caused the reply. */
  code?: ErrorCode;
}

/** HTTP status of each library error code a request can cause; any other code is a 500. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  E_INVALID_ARG: 400, E_TYPE: 400, E_SHAPE: 400, E_OUT_OF_RANGE: 400, E_NONFINITE: 400, E_EMPTY: 400,
  E_BUSY: 503, E_NOT_READY: 503, E_DISPOSED: 503, E_ABORTED: 503,
};

/** The status and body of the reply to `e`, whatever was thrown. */
export function errorReply(e: unknown): ErrorBody {
  let statusCode = 500;
  let message = 'internal error';
  let code: ErrorCode | undefined;
  if (isRecforgeError(e)) {
    statusCode = STATUS[e.code] ?? 500;
    message = e.message;
    code = e.code;
  } else if (e instanceof Error) {
    const status = (e as { statusCode?: unknown }).statusCode;
    // HttpError and fastify's own errors carry a status (validation, JSON parsing, content type, size).
    if (typeof status === 'number' && status >= 400 && status < 600) statusCode = status;
    else if ((e as { validation?: unknown }).validation !== undefined) statusCode = 400;
    message = statusCode === 500 ? `internal error: ${e.message}` : e.message;
  }
  const body: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  if (code) body.code = code;
  return body;
}
