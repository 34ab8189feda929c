/**
 * The mount scenarios: each runs our mount and the Go mount against the same `relayfile serve`, interleaved (A B A B
 * …) so that machine noise hits both. Every mount gets a workspace of its own, so one never sees the other's writes.
 */
import { join } from "node:path";
import { waitForContent, waitForFiles, waitForFirstSync } from "./local.ts";
import type { Serve } from "../relayfile_process.ts";
import type { Daemon, Implementation, MountOptions } from "./processes.ts";
import { RemoteWorkspace, type SeedFile, sleep } from "./remote.ts";
import { compare, type Measured, type ScenarioResult } from "./report.ts";
import { startReadsProxy } from "./reads_proxy.ts";

export interface MountSizes {
  /** Samples per implementation of each WebSocket latency scenario. */
  samples: number;
  pollSamples: number;
  pollIntervalMs: number;
  smallPull: number;
  smallPullRuns: number;
  largePull: number;
  largePullRuns: number;
  burst: number;
  burstRuns: number;
  /** The two exports of the memory scenario, in MB: peak RSS should not grow with the export. */
  exportsMb: [small: number, large: number];
  /** Size of each file of those exports, KiB. */
  exportFileKb: number;
  /** How long a pull or a burst may take before it counts as stalled. */
  bulkTimeoutMs: number;
  /** Files of the burst whose reads back are counted. */
  readsBurst: number;
}

export const FULL_SIZES: MountSizes = {
  samples: 50,
  pollSamples: 10,
  pollIntervalMs: 5_000,
  smallPull: 1_000,
  smallPullRuns: 5,
  largePull: 10_000,
  largePullRuns: 3,
  burst: 1_000,
  burstRuns: 5,
  exportsMb: [40, 400],
  exportFileKb: 256,
  bulkTimeoutMs: 60_000,
  readsBurst: 100,
};

export const SMOKE_SIZES: MountSizes = {
  samples: 2,
  pollSamples: 1,
  pollIntervalMs: 1_000,
  smallPull: 20,
  smallPullRuns: 1,
  largePull: 50,
  largePullRuns: 1,
  burst: 20,
  burstRuns: 1,
  exportsMb: [1, 4],
  exportFileKb: 64,
  bulkTimeoutMs: 20_000,
  readsBurst: 10,
};

export interface MountBench {
  serve: Serve;
  /** Ours first, then the Go mount: the order of every A B round. */
  implementations: Implementation[];
  /** A folder for the mounts' folders, HOMEs and private state. */
  scratch: string;
  sizes: MountSizes;
  /** Progress, a line at a time. */
  log: (line: string) => void;
  /** Only the scenarios whose name holds this. */
  only?: string;
}

/** How long a single change may take before it counts as not delivered. */
const SAMPLE_TIMEOUT_MS = 10_000;
/** Until the first sync of a fresh mount has completed. */
const FIRST_SYNC_TIMEOUT_MS = 30_000;
/**
 * A pause after the first sync before local writes: the Go mount's watcher can miss a file created right after it
 * starts, and that would measure start-up instead of the steady state.
 */
const SETTLE_MS = 1_000;
const SEED: SeedFile[] = [{ path: "/docs/seed.md", content: "# seed\n" }];

export async function mountScenarios(bench: MountBench): Promise<ScenarioResult[]> {
  const { sizes } = bench;
  assertOursThenGo(bench);
  const scenarios: [name: string, target: string, run: () => Promise<Measured[]>][] = [
    [
      "local write → committed on the server",
      "p50 ≤ 50 ms",
      () => sideBySide(bench, "commit", {}, sizes.samples, localWriteCommitted),
    ],
    [
      "remote write → local file, WebSocket",
      "p50 ≤ 25 ms",
      () => sideBySide(bench, "remote-ws", {}, sizes.samples, remoteWriteArrived),
    ],
    [
      `remote write → local file, polling every ${sizes.pollIntervalMs / 1000} s`,
      `≤ ${(sizes.pollIntervalMs * 1.5) / 1000} s`,
      () =>
        sideBySide(
          bench,
          "remote-poll",
          { websocket: false, intervalMs: sizes.pollIntervalMs },
          sizes.pollSamples,
          remoteWriteArrived,
        ),
    ],
    [
      `initial pull, ${sizes.smallPull.toLocaleString("en")} files`,
      "≤ 0.3 s; RSS ≤ 2 × Go",
      () => initialPull(bench, sizes.smallPull, SMALL_FILE_BYTES, sizes.smallPullRuns),
    ],
    [
      `initial pull, ${sizes.largePull.toLocaleString("en")} files`,
      "≤ 3 s; RSS ≤ Go",
      () => initialPull(bench, sizes.largePull, SMALL_FILE_BYTES, sizes.largePullRuns),
    ],
    ...sizes.exportsMb.map((mb, k): [string, string, () => Promise<Measured[]>] => [
      `initial pull, ${mb} MB export (${sizes.exportFileKb} KiB files)`,
      k === 0 ? "peak RSS flat as the export grows" : `peak RSS ≤ ${sizes.exportsMb[0]} MB row + 64 MiB`,
      () => initialPull(bench, exportFileCount(mb, sizes.exportFileKb), sizes.exportFileKb * 1024, 1),
    ]),
    [
      `${sizes.burst.toLocaleString("en")} files written locally at once → all committed`,
      "≤ 2 s",
      () => burst(bench, sizes.burst, sizes.burstRuns),
    ],
    [
      `GET fs/file after ${sizes.readsBurst} files written locally, server without fs/bulk-read`,
      "0 reads",
      () => readsOfOwnWrites(bench, sizes.readsBurst),
    ],
  ];
  const results: ScenarioResult[] = [];
  for (const [name, target, run] of scenarios) {
    if (bench.only !== undefined && !name.includes(bench.only)) continue;
    bench.log(`▸ ${name}`);
    const [ours, go] = await run();
    results.push(compare(name, target, ours!, go!));
  }
  return results;
}

function assertOursThenGo(bench: MountBench): void {
  const names = bench.implementations.map((implementation) => implementation.name).join(",");
  if (names !== "ours,go") throw new Error(`expected our mount, then the Go mount; got ${names}`);
}

/** The flags a scenario sets on both mounts (each implementation's defaults otherwise). */
type MountFlags = Pick<MountOptions, "websocket" | "intervalMs"> & {
  /** The server the mount is pointed at, when not `relayfile serve` itself (a proxy in front of it). */
  server?: string;
};

interface Mounted {
  workspace: RemoteWorkspace;
  dir: string;
  root: string;
  daemon: Daemon;
}

let workspaceCount = 0;

async function createWorkspace(bench: MountBench, label: string, seed: Iterable<SeedFile>): Promise<RemoteWorkspace> {
  const id = `ws_${label.replace(/\W/g, "_")}_${++workspaceCount}`;
  const workspace = new RemoteWorkspace(bench.serve.url, id, await bench.serve.tokenFor(id));
  await workspace.write(seed);
  return workspace;
}

function startMount(
  bench: MountBench,
  implementation: Implementation,
  workspace: RemoteWorkspace,
  root: string,
  flags: MountFlags,
): { dir: string; daemon: Daemon } {
  const dir = join(root, "mirror");
  Deno.mkdirSync(dir, { recursive: true });
  const { server, ...mountFlags } = flags;
  const daemon = implementation.start({
    server: server ?? bench.serve.url,
    workspace: workspace.id,
    token: workspace.token,
    dir,
    scratch: root,
    ...mountFlags,
  });
  return { dir, daemon };
}

/** A fresh workspace holding SEED, mounted into a fresh folder, after its first sync and a settle pause. */
async function mountSeeded(
  bench: MountBench,
  implementation: Implementation,
  label: string,
  flags: MountFlags,
): Promise<Mounted> {
  const workspace = await createWorkspace(bench, `${label}_${implementation.name}`, SEED);
  const root = await Deno.makeTempDir({ dir: bench.scratch, prefix: `${label}-${implementation.name}-` });
  const { dir, daemon } = startMount(bench, implementation, workspace, root, flags);
  try {
    await waitForFirstSync(dir, FIRST_SYNC_TIMEOUT_MS);
  } catch (error) {
    throw new Error(`${implementation.name} mount: ${(error as Error).message}\n${await daemon.stop()}`);
  }
  await sleep(SETTLE_MS);
  return { workspace, dir, root, daemon };
}

async function unmount(mounted: Mounted): Promise<void> {
  await mounted.daemon.stop();
  await Deno.remove(mounted.root, { recursive: true });
}

function emptyMeasured(): Measured {
  return { samplesMs: [], missed: 0, peakRssKb: 0 };
}

type Sample = (mounted: Mounted, index: number) => Promise<number | undefined>;

/**
 * Both mounts run at once, each on its own workspace; samples alternate between them, one change at a time, with a
 * pause between changes so each sample starts from idle.
 */
async function sideBySide(
  bench: MountBench,
  label: string,
  flags: MountFlags,
  samples: number,
  sample: Sample,
): Promise<Measured[]> {
  const mounted: Mounted[] = [];
  try {
    for (const implementation of bench.implementations) {
      mounted.push(await mountSeeded(bench, implementation, label, flags));
    }
    const results = mounted.map(emptyMeasured);
    for (let index = 0; index < samples; index++) {
      for (const [k, mount] of mounted.entries()) {
        const ms = await sample(mount, index);
        if (ms === undefined) results[k]!.missed++;
        else results[k]!.samplesMs.push(ms);
        await sleep(150);
      }
    }
    for (const [k, mount] of mounted.entries()) results[k]!.peakRssKb = await mount.daemon.peakRssKb();
    return results;
  } finally {
    await Promise.all(mounted.map(unmount));
  }
}

/** From the local write to the server's own timestamp of the commit. */
async function localWriteCommitted(mounted: Mounted, index: number): Promise<number | undefined> {
  const path = `/docs/local-${index}.md`;
  const cursor = await mounted.workspace.latestCursor();
  const writtenAt = Date.now();
  await Deno.writeTextFile(join(mounted.dir, path), `written locally, sample ${index}\n`);
  const committedAt = (await mounted.workspace.waitForCommits(cursor, [path], SAMPLE_TIMEOUT_MS)).get(path);
  return committedAt === undefined ? undefined : committedAt - writtenAt;
}

/** From just before the write request to the new content being readable in the folder. */
async function remoteWriteArrived(mounted: Mounted, index: number): Promise<number | undefined> {
  const path = `/docs/remote-${index}.md`;
  const content = `written remotely, sample ${index}\n`;
  const start = performance.now();
  await mounted.workspace.write([{ path, content }]);
  const seenAt = await waitForContent(join(mounted.dir, path), content, SAMPLE_TIMEOUT_MS);
  return seenAt === undefined ? undefined : seenAt - start;
}

/** The size of the files of the pull and burst scenarios: a short markdown note. */
const SMALL_FILE_BYTES = 290;

function exportFileCount(megabytes: number, fileKb: number): number {
  return Math.ceil((megabytes * 1_000_000) / (fileKb * 1024));
}

/** The path of file `i` of `count`, in folders of 100: `/<prefix>/d007/f0712.md`. */
function generatedPath(prefix: string, i: number, count: number): string {
  return `/${prefix}/d${String(Math.floor(i / 100)).padStart(3, "0")}/f${
    String(i).padStart(String(count).length, "0")
  }.md`;
}

/** `count` files of about `bytes` each, generated one at a time (a 400 MB export is never held here whole). */
function* generatedFiles(prefix: string, count: number, bytes = SMALL_FILE_BYTES): Generator<SeedFile> {
  const filler = "lorem ipsum dolor sit amet ".repeat(Math.ceil(bytes / 27));
  for (let i = 0; i < count; i++) {
    const header = `# file ${i}\n`;
    yield {
      path: generatedPath(prefix, i, count),
      content: header + filler.slice(0, Math.max(0, bytes - header.length)),
    };
  }
}

/** From starting the daemon on an empty folder to the last file of the workspace being on disk. */
async function initialPull(bench: MountBench, count: number, fileBytes: number, runs: number): Promise<Measured[]> {
  const workspace = await createWorkspace(bench, `pull_${count}`, generatedFiles("pull", count, fileBytes));
  const expected = Array.from({ length: count }, (_, i) => generatedPath("pull", i, count).slice(1));
  const results = bench.implementations.map(emptyMeasured);
  for (let run = 0; run < runs; run++) {
    for (const [k, implementation] of bench.implementations.entries()) {
      const root = await Deno.makeTempDir({ dir: bench.scratch, prefix: `pull-${implementation.name}-` });
      const start = performance.now();
      const { dir, daemon } = startMount(bench, implementation, workspace, root, {});
      const { found, doneAt } = await waitForFiles(dir, expected, bench.sizes.bulkTimeoutMs);
      const result = results[k]!;
      result.peakRssKb = Math.max(result.peakRssKb, await daemon.peakRssKb());
      await daemon.stop();
      await Deno.remove(root, { recursive: true });
      if (doneAt !== undefined) {
        result.samplesMs.push(doneAt - start);
      } else {
        result.missed++;
        result.note = `stalled at ${found.toLocaleString("en")} of ${count.toLocaleString("en")} files after ${
          bench.sizes.bulkTimeoutMs / 1000
        } s`;
      }
    }
  }
  return results;
}

/** From the first of `count` local writes (into ten new folders) to the server's commit of the last. */
async function burst(bench: MountBench, count: number, runs: number): Promise<Measured[]> {
  const files = [...generatedFiles("burst", count)];
  const results = bench.implementations.map(emptyMeasured);
  for (let run = 0; run < runs; run++) {
    for (const [k, implementation] of bench.implementations.entries()) {
      const mounted = await mountSeeded(bench, implementation, "burst", {});
      const result = results[k]!;
      try {
        const cursor = await mounted.workspace.latestCursor();
        const start = Date.now();
        await writeLocally(mounted.dir, files);
        const commits = await mounted.workspace.waitForCommits(
          cursor,
          files.map((file) => file.path),
          bench.sizes.bulkTimeoutMs,
        );
        result.peakRssKb = Math.max(result.peakRssKb, await mounted.daemon.peakRssKb());
        if (commits.size === count) {
          result.samplesMs.push(Math.max(...commits.values()) - start);
        } else {
          result.missed++;
          result.note = `${commits.size.toLocaleString("en")} of ${count.toLocaleString("en")} committed after ${
            bench.sizes.bulkTimeoutMs / 1000
          } s`;
        }
      } finally {
        await unmount(mounted);
      }
    }
  }
  return results;
}

/**
 * A burst of local writes against a server without `fs/bulk-read`, then a pause: how many `GET fs/file` the mount
 * made meanwhile — reads of its own writes (nothing else changes in its workspace). A count, reported as `count`.
 */
async function readsOfOwnWrites(bench: MountBench, count: number): Promise<Measured[]> {
  const files = [...generatedFiles("reads", count)];
  await using proxy = startReadsProxy(bench.serve.url);
  const results: Measured[] = [];
  for (const implementation of bench.implementations) {
    const mounted = await mountSeeded(bench, implementation, "reads", { server: proxy.url });
    try {
      const before = proxy.fileReads(mounted.workspace.id);
      const cursor = await mounted.workspace.latestCursor();
      await writeLocally(mounted.dir, files);
      const commits = await mounted.workspace.waitForCommits(
        cursor,
        files.map((file) => file.path),
        bench.sizes.bulkTimeoutMs,
      );
      await sleep(READS_SETTLE_MS);
      const reads = proxy.fileReads(mounted.workspace.id) - before;
      results.push({
        samplesMs: [],
        missed: commits.size === count ? 0 : 1,
        peakRssKb: await mounted.daemon.peakRssKb(),
        count: reads,
        ...(commits.size === count ? {} : { note: `${commits.size} of ${count} committed` }),
      });
    } finally {
      await unmount(mounted);
    }
  }
  return results;
}

/** After the last commit, time for the reads a mount makes of its own writes to happen. */
const READS_SETTLE_MS = 3_000;

/** Writes the files as a tool would (`mkdir -p`, then write), each folder in parallel. */
async function writeLocally(dir: string, files: SeedFile[]): Promise<void> {
  const byFolder = Map.groupBy(files, (file) => file.path.slice(0, file.path.lastIndexOf("/")));
  await Promise.all(
    [...byFolder].map(async ([folder, inFolder]) => {
      await Deno.mkdir(join(dir, folder), { recursive: true });
      for (const file of inFolder) await Deno.writeTextFile(join(dir, file.path), file.content);
    }),
  );
}
