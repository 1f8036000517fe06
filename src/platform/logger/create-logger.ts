import { pino, type Logger, type LoggerOptions } from 'pino';

/** Paths pino removes from every log line: credentials and cookies never reach logs. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.api_key',
  '*.authorization',
];

/** Options of the process logger. */
export interface CreateLoggerOptions {
  level: string;
  /** Masks PII and secrets in free-text fields of a log record (the guard's masker); applied to every line. */
  maskRecord?: (record: Record<string, unknown>) => Record<string, unknown>;
  /** Where lines go; stdout by default. */
  destination?: NodeJS.WritableStream;
}

function withoutParams(serialized: Record<string, unknown>): Record<string, unknown> {
  const { params: _params, ...rest } = serialized;
  return rest;
}

/** The structured JSON logger: redaction of known secret paths plus free-text masking. */
export function createLogger(options: CreateLoggerOptions): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'bulwark' },
    // SECURITY: database errors carry the statement's parameters (hashes, e-mails, ciphertexts); logs keep the query only.
    serializers: { err: (error: Error) => withoutParams(pino.stdSerializers.err(error)) },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      ...(options.maskRecord ? { log: options.maskRecord } : {}),
    },
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}
