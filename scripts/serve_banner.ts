/** The banner `relayfile serve` prints once it listens, as the demo, the benchmark and the tests read it. */

/** What a spawned `relayfile serve` prints once it listens. */
export interface ServeBanner {
  url: string;
  workspace: string;
  token: string;
  /** Resolves when the child's stdout ends; it is read to the end so the child never blocks on a full pipe. */
  drained: Promise<void>;
}

/** Reads the banner of a spawned `relayfile serve` (stdout piped); fails with its stderr if it exits first. */
export async function readServeBanner(child: Deno.ChildProcess, stderr: Promise<string>): Promise<ServeBanner> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let banner = "";
  while (!/^token: .+\n/m.test(banner)) {
    const { value, done } = await reader.read();
    if (done) {
      const status = await child.status;
      throw new Error(`relayfile serve exited ${status.code} before it was ready: ${await stderr}${banner}`);
    }
    banner += value;
  }
  const drained = (async () => {
    while (!(await reader.read()).done) { /* keep the pipe empty */ }
  })();
  const field = (name: string) => new RegExp(`^${name}: (\\S+)$`, "m").exec(banner)?.[1] ?? "";
  const url = /^listening on (\S+)$/m.exec(banner)?.[1];
  if (!url) throw new Error(`relayfile serve printed no address: ${banner}`);
  return { url, workspace: field("workspace"), token: field("token"), drained };
}
