// The operational log (start, reload, failures) as JSON on stderr, apart from the access log on
// stdout. Synchronous writes: these lines are rare and must survive a crash right after them.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, ...bindings },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Never log these, whatever an error object or a config snapshot happens to carry.
      redact: { paths: ['*.authorization', '*.cookie', '*.keyPem', '*.password', '*.token'], censor: '[redacted]' },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
