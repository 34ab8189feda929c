/**
 * `mount --dry-run`: what a sync of the folder would do, without doing it — no request that writes, no file written
 * (not even `.relay/`). Local files are walked with the ignore rules; remote paths are listed through `fs/tree`.
 */
import { normalizeRemotePath, relativeToRoot, remotePathFor } from "../protocol/paths.ts";
import { RelayfileClient } from "../remote/client.ts";
import { loadIgnoreRules } from "./ignore_file.ts";
import { LARGEST_LOCAL_FILE_BYTES, TOO_LARGE_TO_SEND, unreadableReason, walkLocal } from "./local_fs.ts";
import { formatBytes } from "../lib/bytes.ts";
import type { TokenSource } from "./token_source.ts";

export interface DryRunPlan {
  /** Local files the server does not have: uploaded. */
  upload: string[];
  /** Remote files the folder does not have: downloaded. */
  download: string[];
  /** On both sides: compared (same bytes: adopted; different: the usual conflict rules). */
  both: string[];
  /** Remote paths the ignore rules leave out: never downloaded. */
  ignoredRemote: string[];
  /** Local files (paths in the folder) not uploaded: names the server cannot take, files too large, with why. */
  unsendable: string[];
}

export async function planDryRun(options: {
  mountDir: string;
  server: string;
  workspace: string;
  remoteRoot: string;
  tokens: TokenSource;
  excludes?: readonly string[];
  requestTimeoutMs?: number;
}): Promise<DryRunPlan> {
  const remoteRoot = normalizeRemotePath(options.remoteRoot);
  const rules = await loadIgnoreRules(options.mountDir, options.excludes).catch(() => undefined);
  const local = new Set<string>();
  const unsendable: string[] = [];
  const notSent = (path: string, reason: string) => unsendable.push(`${path} (${reason})`);
  for await (
    const file of walkLocal(options.mountDir, "", rules, {
      unusable: notSent,
      unreadable: (path, error) => notSent(path, unreadableReason(error)),
    })
  ) {
    if (file.size > LARGEST_LOCAL_FILE_BYTES) {
      notSent(file.path, `${TOO_LARGE_TO_SEND}: ${formatBytes(file.size)}`);
    } else local.add(remotePathFor(remoteRoot, file.path));
  }
  const client = new RelayfileClient({
    baseUrl: options.server,
    workspace: options.workspace,
    token: () => options.tokens.current(),
    ...(options.requestTimeoutMs ? { timeoutMs: options.requestTimeoutMs } : {}),
  });
  const plan: DryRunPlan = { upload: [], download: [], both: [], ignoredRemote: [], unsendable };
  const remote = new Set<string>();
  for (const path of (await client.listFilePaths(remoteRoot)).map(normalizeRemotePath)) {
    const relative = relativeToRoot(remoteRoot, path);
    if (relative === undefined) continue;
    if (rules?.ignores(relative)) plan.ignoredRemote.push(path);
    else remote.add(path);
  }
  for (const path of local) (remote.has(path) ? plan.both : plan.upload).push(path);
  for (const path of remote) if (!local.has(path)) plan.download.push(path);
  for (const list of Object.values(plan)) list.sort();
  return plan;
}
