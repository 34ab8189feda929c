/**
 * The daemon's log lines: a message and a few stable fields, shown as text (with an RFC 3339 UTC time when asked)
 * or as NDJSON (`time`, `level`, `msg`, then the fields), to stderr and/or a file. `detail` lines (one per sync
 * action, the periodic summary) only with `--verbose`; `info` lines (state changes, conflicts, dead letters) always.
 * Whatever goes out passes through `redactSecrets`: a token never reaches a log.
 */
import { redactSecrets } from "./redact.ts";

export type LogLevel = "info" | "detail";

export interface LogFields {
  level?: LogLevel;
  /** What happened, one word: `up`, `down`, `delete`, `conflict`, `merge`, `dead-letter`, `offline`, … */
  event?: string;
  path?: string;
  revision?: string | null;
  [key: string]: string | number | boolean | null | undefined;
}

export type Log = (message: string, fields?: LogFields) => void;

export interface LoggerOptions {
  format: "text" | "json";
  /** Prefix text lines with the time (json lines always carry it). */
  timestamps: boolean;
  verbose: boolean;
  now: () => Date;
  /** Where each finished line goes (several sinks: stderr, a log file). */
  sinks: ((line: string) => void)[];
}

export function createLogger(options: LoggerOptions): Log {
  return (message, fields = {}) => {
    const { level = "info", ...rest } = fields;
    if (level === "detail" && !options.verbose) return;
    const time = options.now().toISOString().replace(/\.\d{3}Z$/, "Z");
    const text = redactSecrets(message);
    const line = options.format === "json"
      ? JSON.stringify({ time, level, msg: text, ...definedFields(rest) })
      : `${options.timestamps ? `${time} ` : ""}${text}`;
    for (const sink of options.sinks) sink(`${line}\n`);
  };
}

function definedFields(fields: Record<string, unknown>): Record<string, unknown> {
  const defined: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) defined[key] = typeof value === "string" ? redactSecrets(value) : value;
  }
  return defined;
}
