import { HttpError, NetworkError } from "../../src/remote/errors.ts";
import { initialStatus, pullFailed } from "../../src/mount/status.ts";
import { assertEquals } from "../support/assert.ts";

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

Deno.test("a pull cut short because the mount is stopping does not mark the mount offline", () => {
  const status = initialStatus("listening");
  assertEquals(pullFailed(status, new NetworkError("GET /fs/events: stopped", { stopped: true }), NOW), status);
});

Deno.test("a pull with no answer marks the mount offline; a refused one says the HTTP status", () => {
  const status = initialStatus("listening");
  assertEquals(pullFailed(status, new NetworkError("connection refused"), NOW).lastError?.kind, "offline");
  assertEquals(pullFailed(status, new HttpError(503, {}), NOW).lastError?.kind, "offline");
  assertEquals(pullFailed(status, new HttpError(403, {}), NOW).lastError?.kind, "http");
});
