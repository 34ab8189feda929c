import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { resolve } from "node:path";
import { parseDuration } from "../lib/duration.ts";
import {
  DEFAULT_CONNECTION_LIMITS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_WORKSPACE,
  defaultDataDir,
  parseRateLimit,
  startServer,
  type WritebackMode,
} from "../server/mod.ts";
import { UsageError } from "../lib/errors.ts";
import type { CommandContext } from "./_context.ts";

export const DEFAULT_ADDR = "127.0.0.1:8080";

export function serveCommand({ io }: CommandContext) {
  return new Command("serve")
    .description(
      "Run a local relayfile v1 server (SQLite in --data) and print a dev token. Stops on SIGINT/SIGTERM.",
    )
    .option(
      "--addr <host:port>",
      "address to listen on; port 0 picks a free one",
      addressArgument,
      addressArgument(DEFAULT_ADDR),
    )
    .option("--data <dir>", "data folder (database and token secret)")
    .option(
      "--max-body-bytes <n>",
      "largest request body accepted (413 above)",
      positiveInteger,
      DEFAULT_MAX_BODY_BYTES,
    )
    .option(
      "--max-connections <n>",
      "connections open at once; past it the longest-idle one makes room, or new ones get 503 " +
        "(lowered by itself when file descriptors run short)",
      positiveInteger,
      DEFAULT_CONNECTION_LIMITS.max,
    )
    .option(
      "--rate-limit <n/window>",
      "per workspace and agent, e.g. 100/1m (429 with Retry-After above)",
      rateArgument,
    )
    .option("--jwks-url <url>", "also accept RS256 tokens verified against this JWKS, like the reference server")
    .option("--workspace <id>", "workspace of the printed dev token", DEFAULT_WORKSPACE)
    .option(
      "--writeback <mode>",
      "auto: the provider takes each write at once; external: ops stay pending until POST writeback/{id}/ack",
      writebackMode,
      "auto" as WritebackMode,
    )
    .option(
      "--reject-writeback <glob>",
      "in auto mode, the provider rejects writes of paths matching GLOB (repeatable), for demos and tests",
      (glob: string, previous: string[]) => [...previous, glob],
      [] as string[],
    )
    .option("--tls-cert <file>", "serve HTTPS with this certificate (PEM; with --tls-key)")
    .option("--tls-key <file>", "the certificate's private key (PEM)")
    .option("--verbose", "log one line per request to stderr (never a token)")
    .action(async (options) => {
      const dataDir = resolve(io.cwd, options.data ?? defaultDataDir(io.env, io.cwd));
      if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
        throw new UsageError("--tls-cert and --tls-key go together");
      }
      const tls = options.tlsCert && options.tlsKey
        ? {
          cert: await Deno.readTextFile(resolve(io.cwd, options.tlsCert)),
          key: await Deno.readTextFile(resolve(io.cwd, options.tlsKey)),
        }
        : undefined;
      if (!isLoopback(options.addr.hostname)) {
        io.stderr(
          `warning: listening on ${options.addr.hostname}, beyond this machine` +
            (tls ? "" : ", without TLS: tokens and files cross the network in clear (--tls-cert/--tls-key)") + "\n",
        );
      }
      const server = await startServer({
        dataDir,
        hostname: options.addr.hostname,
        port: options.addr.port,
        maxBodyBytes: options.maxBodyBytes,
        connectionLimits: { max: options.maxConnections },
        ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
        ...(options.jwksUrl ? { jwksUrl: options.jwksUrl } : {}),
        ...(tls ? { tls } : {}),
        provider: { mode: options.writeback, rejectPaths: options.rejectWriteback },
        ...(options.verbose ? { log: (line: string) => io.stderr(`${line}\n`) } : {}),
        notice: (line: string) => io.stderr(`${line}\n`),
      });
      try {
        const token = await server.mintToken({ workspace: options.workspace });
        io.stdout(
          `listening on ${server.url}\ndata: ${dataDir}\nworkspace: ${options.workspace}\ntoken: ${token}\n`,
        );
        const signal = await io.waitForShutdown();
        io.stderr(`${signal}: shutting down\n`);
      } finally {
        await server.close();
      }
    });
}

/** `HOST:PORT`, `[::1]:PORT` or `:PORT` (loopback). */
export function addressArgument(text: string): { hostname: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new InvalidArgumentError("expected HOST:PORT, e.g. 127.0.0.1:8080 or 127.0.0.1:0");
  return { hostname: match[1] ?? (match[2] || "127.0.0.1"), port };
}

/** 127.0.0.0/8, ::1 and localhost: this machine only. */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function writebackMode(text: string): WritebackMode {
  if (text !== "auto" && text !== "external") throw new InvalidArgumentError("expected auto or external");
  return text;
}

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError("expected a positive whole number");
  return value;
}

function rateArgument(text: string) {
  const limit = parseRateLimit(text, parseDuration);
  if (!limit) throw new InvalidArgumentError("expected COUNT/WINDOW, e.g. 100/1m");
  return limit;
}
