/**
 * `relayfile serve` on its own (the Go tools ship no server to compare with): bulk writes in batches under the
 * 1 MiB body limit, then a full export.
 */
import { startServer } from "../../src/server/mod.ts";
import { RemoteWorkspace, type SeedFile } from "./remote.ts";
import { compare, type Measured, type ScenarioResult } from "./report.ts";

export interface ServeBench {
  runs: number;
  files: number;
  exported: number;
}

export async function serveScenarios(bench: ServeBench): Promise<ScenarioResult[]> {
  const data = await Deno.makeTempDir({ prefix: "relayfile-bench-serve-" });
  const server = await startServer({ dataDir: data, port: 0 });
  try {
    const workspace = new RemoteWorkspace(server.url, "ws_bench", await server.mintToken({ workspace: "ws_bench" }));
    const files = (prefix: string, count: number): SeedFile[] =>
      Array.from({ length: count }, (_, i) => ({
        path: `/${prefix}/dir${i % 50}/file${i}.md`,
        content: `# file ${i}\n${"lorem ipsum ".repeat(20)}\n`,
      }));
    const bulk = await timed(bench.runs, (run) => workspace.write(files(`bulk${run}`, bench.files)));
    await workspace.write(files("export", Math.max(0, bench.exported - bench.files * bench.runs)));
    const total = server.store.countFiles("ws_bench");
    const exported = await timed(bench.runs, async () => {
      if ((await workspace.exportAll()).length !== total) throw new Error("the export came back short");
    });
    return [
      compare(`serve: ${bench.files.toLocaleString("en")} files bulk-written (batches of 250)`, "-", bulk, null),
      compare(`serve: export of ${total.toLocaleString("en")} files`, "-", exported, null),
    ];
  } finally {
    await server.close();
    await Deno.remove(data, { recursive: true });
  }
}

async function timed(runs: number, work: (run: number) => Promise<void>): Promise<Measured> {
  const samplesMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    await work(run);
    samplesMs.push(performance.now() - start);
  }
  return { samplesMs, missed: 0, peakRssKb: 0 };
}
