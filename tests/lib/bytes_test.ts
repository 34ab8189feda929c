import { formatBytes } from "../../src/lib/bytes.ts";
import { assertEquals } from "../support/assert.ts";

Deno.test("sizes read in bytes below a KiB, then in the largest binary unit with one decimal unless whole", () => {
  assertEquals(formatBytes(0), "0 bytes");
  assertEquals(formatBytes(1023), "1023 bytes");
  assertEquals(formatBytes(1536), "1.5 KiB");
  assertEquals(formatBytes(64 * 1024 ** 2), "64 MiB");
  assertEquals(formatBytes(64 * 1024 ** 2 + 1), "64.0 MiB");
  assertEquals(formatBytes(5 * 1024 ** 3), "5 GiB");
  assertEquals(formatBytes(3 * 1024 ** 5), "3072 TiB");
});
