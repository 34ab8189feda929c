/** What the queue tests share: a local change as the mount hands it over, and a queue taken in as a mount would. */
import { toWire } from "../../src/protocol/content.ts";
import { sha256Hex } from "../../src/relay/blobs.ts";
import { type Delivery, type LocalChange, WritebackQueue } from "../../src/writeback/queue.ts";
import type { FakeTransport } from "../support/fake_transport.ts";

/** A markdown file written locally: a create, or an update of `baseRevision`. */
export async function change(path: string, content: string, baseRevision: string | null = null): Promise<LocalChange> {
  const bytes = new TextEncoder().encode(content);
  return {
    path,
    kind: baseRevision ? "update" : "create",
    bytes,
    contentHash: await sha256Hex(bytes),
    contentType: "text/markdown",
    wire: toWire(bytes, "text/markdown"),
    baseRevision,
  };
}

/** A queue whose deliveries are taken in (and settled) as a mount would, recording them. */
export function queueFor(
  mountDir: string,
  transport: FakeTransport,
  options: Partial<ConstructorParameters<typeof WritebackQueue>[2]> = {},
) {
  const logs: string[] = [];
  const delivered: Delivery[] = [];
  const queue = new WritebackQueue(mountDir, transport, {
    baseRevisionOf: () => null,
    reloadToken: () => Promise.resolve(false),
    log: (line) => logs.push(line),
    ...options,
  });
  const taking = (async () => {
    for (let deliveries; (deliveries = await queue.nextDeliveries()) !== undefined;) {
      delivered.push(...deliveries);
      await queue.settle(deliveries);
    }
  })();
  return {
    queue,
    logs,
    delivered,
    close: async () => {
      await queue.close();
      await taking;
    },
  };
}
