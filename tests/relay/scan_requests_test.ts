import { requestScan, takeScanRequests } from "../../src/relay/scan_requests.ts";
import { assertEquals } from "../support/assert.ts";
import { usingTempDir } from "../support/temp_dir.ts";

Deno.test("scan requests are taken once, merged, and only for plain paths inside the mount", async () => {
  await using mount = await usingTempDir();
  assertEquals(await takeScanRequests(mount.path), []);
  await requestScan(mount.path, ["docs/a.md", "b.md"]);
  await requestScan(mount.path, ["b.md", "../outside.md", "/etc/passwd", "docs/../../x", ""]);
  assertEquals((await takeScanRequests(mount.path)).sort(), ["b.md", "docs/a.md"]);
  assertEquals(await takeScanRequests(mount.path), [], "taken requests are gone");
});
