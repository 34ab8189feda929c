import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { resolve } from "node:path";
import {
  DEFAULT_SCOPES,
  DEFAULT_TOKEN_TTL_MS,
  DEFAULT_WORKSPACE,
  defaultDataDir,
  mintDevToken,
  openDataDir,
  readSecret,
} from "../server/mod.ts";
import { PreconditionError } from "../lib/errors.ts";
import type { CommandContext } from "./_context.ts";
import { positiveDurationArgument } from "./_filters.ts";

const ttlArgument = positiveDurationArgument("1h or 7d");

export function tokenCommand({ io }: CommandContext) {
  return new Command("token")
    .description("Print a dev token (and nothing else) signed with the secret of a relayfile serve data folder.")
    .option("--data <dir>", "the server's data folder")
    .option("--workspace <id>", "workspace the token is for", nonEmpty("workspace"), DEFAULT_WORKSPACE)
    .option("--agent <name>", "agent name (the token's subject)", nonEmpty("agent"), "relayfile-dev")
    .option("--scopes <list>", `scopes, comma- or space-separated (default: ${DEFAULT_SCOPES.join(",")})`, scopeList)
    .option("--ttl <duration>", "lifetime, e.g. 1h or 7d", ttlArgument, DEFAULT_TOKEN_TTL_MS)
    .option("--init", "create the data folder's secret when it has none (a new server would use it)")
    .action(async (options) => {
      const dir = resolve(io.cwd, options.data ?? defaultDataDir(io.env, io.cwd));
      if (!options.init && (await readSecret(dir)) === undefined) {
        throw new PreconditionError(`${dir} has no relayfile serve secret: a token signed here no server accepts`, {
          hint: "pass the --data folder of your relayfile serve, or --init to start a new one",
        });
      }
      const dataDir = await openDataDir(dir);
      const token = await mintDevToken(dataDir.secret, {
        workspace: options.workspace,
        agent: options.agent,
        scopes: options.scopes ?? DEFAULT_SCOPES,
        ttlMs: options.ttl,
        now: io.now().getTime(),
      });
      io.stdout(`${token}\n`);
    });
}

function nonEmpty(what: string): (text: string) => string {
  return (text) => {
    if (text.trim() === "") throw new InvalidArgumentError(`expected a ${what} name, not an empty one`);
    return text.trim();
  };
}

function scopeList(text: string): string[] {
  const scopes = text.split(/[\s,]+/).filter(Boolean);
  if (scopes.length === 0) throw new InvalidArgumentError("expected at least one scope");
  return scopes;
}
