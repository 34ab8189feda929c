/**
 * A local HTTP server standing in for a GitHub releases page: `/latest` redirects to `/tag/vX`, and
 * `/latest/download/NAME` and `/download/vX/NAME` serve the release's assets and its SHA256SUMS.
 */
import { createHash } from "node:crypto";

export interface FakeRelease {
  tag: string;
  assets: Record<string, string>;
  /** Checksums to publish instead of the real ones (to test a mismatch). */
  sums?: Record<string, string>;
}

export interface FakeReleases extends AsyncDisposable {
  url: string;
  requests: string[];
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function startFakeReleases(release: FakeRelease): FakeReleases {
  const requests: string[] = [];
  const sums =
    Object.keys(release.assets).map((name) => `${release.sums?.[name] ?? sha256(release.assets[name]!)}  ${name}`).join(
      "\n",
    ) + "\n";
  const files: Record<string, string> = { ...release.assets, SHA256SUMS: sums };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const path = new URL(request.url).pathname;
    requests.push(path);
    if (path === "/latest") return Response.redirect(new URL(`/tag/${release.tag}`, request.url), 302);
    const match = /^\/(?:latest\/download|download\/([^/]+))\/([^/]+)$/.exec(path);
    if (!match || (match[1] !== undefined && match[1] !== release.tag)) {
      return new Response("not found", { status: 404 });
    }
    const body = files[match[2]!];
    return body === undefined ? new Response("not found", { status: 404 }) : new Response(body);
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, requests, [Symbol.asyncDispose]: () => server.shutdown() };
}

/** The asset name of a release binary for this machine (as install.sh and `relayfile upgrade` pick it). */
export function assetForThisMachine(): string {
  const os = { linux: "linux", darwin: "macos", windows: "windows" }[Deno.build.os as string] ?? Deno.build.os;
  const arch = Deno.build.arch === "aarch64" ? "arm64" : "x64";
  return `relayfile-${os}-${arch}${Deno.build.os === "windows" ? ".exe" : ""}`;
}
