import { tableFor } from "../../src/commands/_table.ts";
import type { CliIo } from "../../src/commands/_io.ts";
import { assertEquals } from "../support/assert.ts";

const io = (stdoutIsTerminal: boolean) => ({ stdoutIsTerminal } as CliIo);
const rows = [["op_id", "path", "state"], ["op_1", "/文書/a.md", "dead_lettered"], ["op_22", "/b.md", "pending"]];

Deno.test("on a terminal, columns line up by display width: a wide character takes two columns", async () => {
  const table = await tableFor(io(true));
  assertEquals(table(rows).split("\n"), [
    "op_id  path        state",
    "op_1   /文書/a.md  dead_lettered",
    "op_22  /b.md       pending",
  ]);
});

Deno.test("off a terminal, cells stay tab-separated for scripts", async () => {
  const table = await tableFor(io(false));
  assertEquals(table(rows).split("\n")[1], "op_1\t/文書/a.md\tdead_lettered");
});
