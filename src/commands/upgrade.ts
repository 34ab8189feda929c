/**
 * `relayfile upgrade [--version X]`: replaces this binary with a release's — the latest, or the one asked for —
 * checked against the release's SHA256SUMS, atomically (a temp file beside it, then a rename; on Windows the running
 * file is moved aside to `.old` first, and removed at the next upgrade). Run from source (`deno run`), it says so and
 * changes nothing. Needs the binary's own permissions only: the network, and write access to its folder.
 */
import { basename, dirname, join } from "node:path";
import { Command, Option } from "@commander-js/extra-typings";
import { InvalidRecordError, RelayfileError } from "../lib/errors.ts";
import { VERSION } from "../lib/version.ts";
import { sha256Hex } from "../relay/mod.ts";
import { fetchFailureReason } from "../remote/errors.ts";
import type { CommandContext } from "./_context.ts";

export const DEFAULT_RELEASES_URL = "https://github.com/agentworkforce/relayfile-deno/releases";

export function upgradeCommand({ io }: CommandContext) {
  return new Command("upgrade")
    .description("Replace this binary with the latest release (or --version X), checked against SHA256SUMS.")
    .option("--version <version>", "the release to install, e.g. 0.2.0 (default: the latest)")
    .addOption(
      new Option("--executable <path>", "the binary to replace (default: this one)").hideHelp(),
    )
    .action(async (options) => {
      const executable = options.executable ?? Deno.execPath();
      if (!options.executable && /^deno(\.exe)?$/.test(basename(executable))) {
        io.stdout(
          "relayfile runs from source (deno run): nothing to upgrade; update the checkout instead (git pull)\n",
        );
        return;
      }
      const releases = (io.env.RELAYFILE_RELEASES_URL || DEFAULT_RELEASES_URL).replace(/\/+$/, "");
      const tag = options.version ? `v${options.version.replace(/^v/, "")}` : await latestTag(releases);
      if (tag === `v${VERSION}` && !options.executable) {
        io.stdout(`already up to date (${VERSION})\n`);
        return;
      }
      const asset = assetName();
      const [bytes, sums] = await Promise.all([
        download(`${releases}/download/${tag}/${asset}`),
        download(`${releases}/download/${tag}/SHA256SUMS`),
      ]);
      const expected = checksumOf(new TextDecoder().decode(sums), asset);
      const actual = await sha256Hex(bytes);
      if (expected !== actual) {
        throw new InvalidRecordError(asset, `${asset} of ${tag} does not match SHA256SUMS (${actual}); not installed`, {
          hint: "download it again later; if it persists, report it: the release may have been tampered with",
        });
      }
      await replace(executable, bytes);
      io.stdout(`upgraded ${executable} to ${tag} (sha256 ${actual})\n`);
    });
}

/** The release asset for this machine, as the release workflow names them. */
export function assetName(): string {
  const os = Deno.build.os === "darwin" ? "macos" : Deno.build.os;
  const arch = Deno.build.arch === "aarch64" ? "arm64" : "x64";
  return `relayfile-${os}-${arch}${Deno.build.os === "windows" ? ".exe" : ""}`;
}

/** The tag `releases/latest` redirects to (`…/tag/v0.2.0` → `v0.2.0`). */
async function latestTag(releases: string): Promise<string> {
  const response = await request(`${releases}/latest`, "manual");
  await response.body?.cancel();
  const location = response.headers.get("location") ?? "";
  const tag = /\/tag\/([^/?#]+)$/.exec(location)?.[1];
  if (!tag) throw new RelayfileError(`cannot tell the latest release from ${releases}/latest (no redirect to a tag)`);
  return decodeURIComponent(tag);
}

async function download(url: string): Promise<Uint8Array> {
  const response = await request(url, "follow");
  if (!response.ok) {
    await response.body?.cancel();
    throw new RelayfileError(`cannot download ${url}: ${response.status}`, {
      hint: response.status === 404 ? "no such release or asset: check --version" : "try again later",
    });
  }
  return new Uint8Array(await response.arrayBuffer());
}

async function request(url: string, redirect: RequestRedirect): Promise<Response> {
  try {
    return await fetch(url, { redirect, signal: AbortSignal.timeout(120_000) });
  } catch (error) {
    throw new RelayfileError(`cannot reach ${url} (${fetchFailureReason(error)})`, {
      hint: "check the network; RELAYFILE_RELEASES_URL points elsewhere when set",
    });
  }
}

/** The checksum SHA256SUMS gives for `asset`. */
function checksumOf(sums: string, asset: string): string {
  for (const line of sums.split("\n")) {
    const [hash, name] = line.trim().split(/\s+/);
    if (name === asset || name === `*${asset}`) return hash!.toLowerCase();
  }
  throw new InvalidRecordError("SHA256SUMS", `SHA256SUMS lists no ${asset}; nothing installed`);
}

/** Puts `bytes` in place of `executable` in one rename (the old file moved aside first on Windows). */
async function replace(executable: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(executable), `.${basename(executable)}.new-${crypto.randomUUID()}`);
  await Deno.writeFile(temp, bytes, { mode: 0o755 });
  try {
    if (Deno.build.os === "windows") {
      await Deno.remove(`${executable}.old`).catch(() => {});
      await Deno.rename(executable, `${executable}.old`);
    } else await Deno.chmod(temp, 0o755);
    await Deno.rename(temp, executable);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
