import { HttpError, NetworkError } from "../../src/remote/errors.ts";
import { initialStatus, pullFailed, stoppedOnPurpose } from "../../src/mount/status.ts";
import { assertEquals } from "../support/assert.ts";

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

Deno.test("a request stopped because the mount is stopping is told apart from the server not answering", () => {
  assertEquals(stoppedOnPurpose(new NetworkError("GET /fs/events: stopped", { stopped: true })), true);
  assertEquals(stoppedOnPurpose(new NetworkError("connection refused")), false);
  assertEquals(stoppedOnPurpose(new HttpError(503, {})), false);
});

Deno.test("a pull with no answer marks the mount offline; a refused one says the HTTP status", () => {
  const status = initialStatus("listening");
  assertEquals(pullFailed(status, new NetworkError("connection refused"), NOW).lastError?.kind, "offline");
  assertEquals(pullFailed(status, new HttpError(503, {}), NOW).lastError?.kind, "offline");
  assertEquals(pullFailed(status, new HttpError(403, {}), NOW).lastError?.kind, "http");
});
