import { every } from "../../src/mount/every.ts";
import { assertEquals } from "../support/assert.ts";

Deno.test("a periodic job that keeps failing alike says so once, and says when it works again", async () => {
  const outcomes = ["disk full", "disk full", "disk full", "ok", "ok", "disk full"];
  const logs: string[] = [];
  const job = every(3_600_000, "saving state", () => {
    const outcome = outcomes.shift()!;
    return outcome === "ok" ? Promise.resolve() : Promise.reject(new Error(outcome));
  }, (line) => logs.push(line));
  try {
    for (let i = 0; i < 6; i++) await job.now();
  } finally {
    await job.stop();
  }
  assertEquals(logs, ["saving state failed: disk full", "saving state works again", "saving state failed: disk full"]);
});
