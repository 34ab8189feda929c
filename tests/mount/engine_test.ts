/**
 * The sync engine on its own: an in-memory remote, a real queue over a fake transport, a real temp folder, no
 * watcher and no timers. Races between detection, pulls and uploads are driven step by step.
 */
import { join } from "node:path";
import { onceReporter, type SyncClient } from "../../src/mount/context.ts";
import { SyncEngine } from "../../src/mount/engine.ts";
import { BaseStore } from "../../src/relay/bases.ts";
import { BUILT_IN_RULES } from "../../src/mount/ignore.ts";
import { PathTable } from "../../src/mount/tracked.ts";
import type { MergeResponse, RemoteEvent, RemoteFile } from "../../src/protocol/wire.ts";
import { HttpError } from "../../src/remote/errors.ts";
import { WritebackQueue } from "../../src/writeback/queue.ts";
import { assertEquals, assertOk } from "../support/assert.ts";
import { FakeTransport } from "../support/fake_transport.ts";
import { usingTempDir } from "../support/temp_dir.ts";

/** The remote side: files and an event log, counting reads. */
class FakeRemote implements SyncClient {
  readonly files = new Map<string, RemoteFile>();
  readonly events_: RemoteEvent[] = [];
  reads = 0;
  #revision = 100;

  put(path: string, content: string): string {
    const revision = `rev_${++this.#revision}`;
    this.files.set(path, { path, revision, contentType: "text/markdown", content, encoding: "" });
    this.events_.push({ eventId: `evt_${this.events_.length + 1}`, type: "file.updated", path, revision });
    return revision;
  }

  /** A delete on purpose: the file goes, and the events say so. */
  remove(path: string): void {
    this.files.delete(path);
    this.events_.push({ eventId: `evt_${this.events_.length + 1}`, type: "file.deleted", path });
  }

  /** The server loses everything (its database reset): files and events. */
  reset(): void {
    this.files.clear();
    this.events_.length = 0;
  }

  /** Files read one at a time (large ones, restores, conflicts): counted apart too. */
  singleReads = 0;
  /** Single reads to fail (a server answering 500), before any succeeds. */
  failingReads = 0;
  readFile(path: string) {
    this.reads++;
    this.singleReads++;
    if (this.failingReads > 0) {
      this.failingReads--;
      return Promise.reject(new HttpError(500, { code: "internal", message: "server answered 500" }));
    }
    const file = this.files.get(path);
    if (!file) return Promise.resolve(undefined);
    const { content, ...fields } = file;
    return Promise.resolve({ ...fields, bytes: new TextEncoder().encode(content) });
  }
  /** A server without `fs/merge`: the mount merges by itself. */
  mergeFile(): Promise<MergeResponse> {
    return Promise.reject(new HttpError(404, { code: "not_found", message: "route not found" }));
  }
  readFiles(paths: string[]) {
    this.reads += paths.length;
    this.readCalls++;
    return Promise.resolve(paths.flatMap((path) => this.files.get(path) ?? []));
  }
  /** Sizes the tree reports (default: the content's length). */
  readonly sizes = new Map<string, number>();
  exports = 0;
  readCalls = 0;

  exportFiles() {
    this.exports++;
    return Promise.resolve([...this.files.values()]);
  }
  listFiles() {
    return Promise.resolve(
      [...this.files.values()].map((file) => ({
        path: file.path,
        size: this.sizes.get(file.path) ?? file.content.length,
      })),
    );
  }
  listFilePaths() {
    return Promise.resolve([...this.files.keys()]);
  }
  latestEventId() {
    return Promise.resolve(this.events_.at(-1)?.eventId);
  }
  events(query: { cursor?: string }) {
    const from = this.events_.findIndex((event) => event.eventId === query.cursor) + 1;
    return Promise.resolve({ events: this.events_.slice(from), nextCursor: null });
  }
}

/** `writable` is asked once per remote file the pull writes, just before it writes it: a test's moment to race it. */
function setup(dir: string, options: { writable?: (path: string) => boolean } = {}) {
  const remote = new FakeRemote();
  const transport = new FakeTransport();
  const logs: string[] = [];
  const paths = new PathTable({
    schemaVersion: 1,
    workspaceId: "ws",
    remoteRoot: "/",
    eventsCursor: null,
    lastEventAt: null,
    files: {},
  });
  const queue = new WritebackQueue(dir, transport, {
    baseRevisionOf: (path) => paths.baseRevision(path),
    reloadToken: () => Promise.resolve(false),
    log: (line) => logs.push(line),
  });
  const log = (line: string) => logs.push(line);
  const engine = new SyncEngine({
    mountDir: dir,
    remoteRoot: "/",
    client: remote,
    paths,
    queue,
    rules: BUILT_IN_RULES,
    writable: options.writable ?? (() => true),
    folderPresent: () => true,
    bases: new BaseStore(dir),
    conflictCopies: "beside",
    serverMerge: { available: true },
    log,
    reportOnce: onceReporter(log),
  });
  /** Takes in one round of deliveries, as the run loop does. */
  const takeIn = async () => {
    const deliveries = await queue.nextDeliveries();
    if (!deliveries) return;
    await engine.takeDeliveries(deliveries);
    await queue.settle(deliveries);
  };
  return {
    remote,
    transport,
    paths,
    queue,
    engine,
    logs,
    takeIn,
    local: (p: string) => Deno.readTextFile(join(dir, p)),
    /** As a session closes: the queue, then the bases. */
    close: async () => {
      await queue.close();
      engine.context.bases.close();
    },
  };
}

Deno.test("SyncEngine: a local file becomes tracked at the revision the server gave its upload", async () => {
  await using dir = await usingTempDir();
  const s = setup(dir.path);
  await s.engine.pull({ full: true });
  await Deno.writeTextFile(join(dir.path, "a.md"), "mine\n");
  await s.engine.handleHints(["a.md"]);
  await s.takeIn();
  assertEquals(s.paths.baseRevision("/a.md"), "rev_1");
  assertEquals(s.transport.requests.length, 1);
  await s.close();
});

Deno.test("SyncEngine: a remote change of a path whose upload is in flight waits for it, then wins without loss", async () => {
  await using dir = await usingTempDir();
  const s = setup(dir.path);
  s.remote.put("/a.md", "base\n");
  await s.engine.pull({ full: true });
  assertEquals(await s.local("a.md"), "base\n");
  s.transport.hold();
  await Deno.writeTextFile(join(dir.path, "a.md"), "mine\n");
  await s.engine.handleHints(["a.md"]);
  await s.transport.requested(1);
  s.remote.put("/a.md", "theirs\n");
  await s.engine.pull({ full: false });
  assertEquals(await s.local("a.md"), "mine\n", "not touched while the upload is in flight");
  s.transport.answer = () => ({ conflict: true });
  s.transport.release();
  await s.takeIn();
  assertEquals(await s.local("a.md"), "theirs\n");
  const copy = await Deno.readTextFile(join(dir.path, ".relay/conflicts/a.md.rev_101.local"));
  assertEquals(copy, "mine\n");
  assertOk(s.paths.conflicts.has("/a.md"));
  assertEquals(s.transport.requests.length, 1, "the conflicted write is not sent again");
  await s.close();
});

Deno.test("SyncEngine: the event of our own upload is not fetched back once its delivery is taken in", async () => {
  await using dir = await usingTempDir();
  const s = setup(dir.path);
  s.remote.put("/seed.md", "seed\n");
  await s.engine.pull({ full: true });
  await Deno.writeTextFile(join(dir.path, "a.md"), "mine\n");
  await s.engine.handleHints(["a.md"]);
  await s.takeIn();
  // The server's event for our own write, at the revision the upload was given.
  s.remote.events_.push({ eventId: "evt_own", type: "file.created", path: "/a.md", revision: "rev_1" });
  const readsBefore = s.remote.reads;
  await s.engine.pull({ full: false });
  assertEquals(s.remote.reads, readsBefore);
  await s.close();
});

Deno.test("SyncEngine: deleting a file whose only trace is a dead letter discards the letter and sends nothing", async () => {
  await using dir = await usingTempDir();
  const s = setup(dir.path);
  await s.engine.pull({ full: true });
  s.transport.answer = () => new HttpError(403, { code: "forbidden" });
  await Deno.writeTextFile(join(dir.path, "secret.md"), "refused\n");
  await s.engine.handleHints(["secret.md"]);
  assertOk(await s.queue.drain(5_000));
  assertEquals(s.queue.counts().deadLettered, 1);
  const requests = s.transport.requests.length;
  await Deno.remove(join(dir.path, "secret.md"));
  await s.engine.handleHints(["secret.md"]);
  assertEquals(s.queue.counts().deadLettered, 0);
  assertEquals(s.transport.requests.length, requests, "nothing is sent for it");
  const log = await Deno.readTextFile(join(dir.path, ".relay/discarded.log"));
  assertOk(log.includes('"why":"the local file was deleted before it reached the server"'), log);
  assertEquals([...Deno.readDirSync(join(dir.path, ".relay/dead-letter"))], []);
  await s.close();
});

Deno.test("SyncEngine: a large workspace comes in size-bounded chunks, large files each on their own", async () => {
  await using dir = await usingTempDir();
  const s = setup(dir.path);
  for (const name of ["a", "b", "c"]) {
    s.remote.put(`/big/${name}.md`, name);
    s.remote.sizes.set(`/big/${name}.md`, 20 * 1024 * 1024); // as the tree reports it: 60 MiB in all
  }
  s.remote.put("/small.md", "small");
  await s.engine.pull({ full: true });
  assertEquals(s.remote.exports, 0);
  assertEquals(s.remote.singleReads, 3, "each 20 MiB file read on its own");
  assertEquals(s.remote.readCalls, 1, "the rest together");
  for (const name of ["a", "b", "c"]) assertEquals(await s.local(`big/${name}.md`), name);
  assertEquals(await s.local("small.md"), "small");
  await s.close();
});

Deno.test("SyncEngine: a small workspace with one large file: no export, the file read on its own", async () => {
  await using dir = await usingTempDir();
  const s = setup(dir.path);
  s.remote.put("/a.md", "a");
  s.remote.put("/large.bin", "large");
  s.remote.sizes.set("/large.bin", 5 * 1024 * 1024);
  await s.engine.pull({ full: true });
  assertEquals([s.remote.exports, s.remote.singleReads, s.remote.readCalls], [0, 1, 1]);
  assertEquals(await s.local("large.bin"), "large");
  await s.close();
});

Deno.test("SyncEngine: a small workspace still comes in one export", async () => {
  await using dir = await usingTempDir();
  const s = setup(dir.path);
  s.remote.put("/a.md", "a");
  await s.engine.pull({ full: true });
  assertEquals([s.remote.exports, s.remote.readCalls], [1, 0]);
  await s.close();
});

Deno.test("SyncEngine: a server that lost every file (its database reset) empties no folder: the files are sent again", async () => {
  await using dir = await usingTempDir();
  const s = setup(dir.path);
  for (const name of ["a", "b", "c"]) s.remote.put(`/${name}.md`, `${name}\n`);
  await s.engine.pull({ full: true });
  s.remote.reset();
  await s.engine.pull({ full: true });
  for (const name of ["a", "b", "c"]) assertEquals(await s.local(`${name}.md`), `${name}\n`);
  assertOk(s.logs.some((line) => line.startsWith("the server lists none of the 3 files")), s.logs.join("\n"));
  await s.takeIn();
  assertEquals(s.transport.requests.flatMap((request) => request.paths).sort(), ["/a.md", "/b.md", "/c.md"]);
  await s.close();
});

Deno.test("SyncEngine: every file deleted on purpose goes as deletes: a full pull follows the events first", async () => {
  await using dir = await usingTempDir();
  const s = setup(dir.path);
  for (const name of ["a", "b"]) s.remote.put(`/${name}.md`, `${name}\n`);
  await s.engine.pull({ full: true });
  for (const name of ["a", "b"]) s.remote.remove(`/${name}.md`);
  await s.engine.pull({ full: true });
  assertEquals(
    await Array.fromAsync(Deno.readDir(dir.path), (entry) => entry.name).then((names) =>
      names.filter((name) => name.endsWith(".md"))
    ),
    [],
  );
  assertEquals(s.transport.requests.length, 0);
  await s.close();
});

/** The server's answer to a write made on an older revision than its own: a conflict, once. */
function conflictOnce(): () => "ok" | { conflict: true } {
  let answered = false;
  return () => answered ? "ok" : (answered = true, { conflict: true });
}

/** A `writable` that writes `content` into the folder the first time the pull is about to write `path` there. */
function writesFirst(dir: string, path: string, content: string): (asked: string) => boolean {
  let written = false;
  return (asked) => {
    if (asked === path && !written) {
      written = true;
      Deno.writeTextFileSync(join(dir, path.slice(1)), content);
    }
    return true;
  };
}

Deno.test("SyncEngine: a file made here while the first pull writes the server's of that name is kept: a conflict, not a loss", async () => {
  await using dir = await usingTempDir();
  const s = setup(dir.path, { writable: writesFirst(dir.path, "/a.md", "mine\n") });
  s.remote.put("/a.md", "theirs\n");
  s.transport.answer = conflictOnce();
  await s.engine.pull({ full: true });
  assertEquals(await s.local("a.md"), "mine\n", "the pull does not replace a file made after it looked");
  assertEquals(s.transport.requests.length, 1, "the local file is sent");
  await s.takeIn();
  assertEquals(await s.local("a.md"), "theirs\n");
  const copies = await Array.fromAsync(Deno.readDir(join(dir.path, ".relay/conflicts")), (entry) => entry.name);
  assertEquals(copies.length, 1);
  assertEquals(await Deno.readTextFile(join(dir.path, ".relay/conflicts", copies[0]!)), "mine\n");
  await s.close();
});

Deno.test("SyncEngine: an edit made here while a pull writes the server's change over the file is kept and merged", async () => {
  await using dir = await usingTempDir();
  let race = (_path: string) => true;
  const s = setup(dir.path, { writable: (path) => race(path) });
  s.remote.put("/a.md", "one\ntwo\nthree\n");
  await s.engine.pull({ full: true });
  s.remote.put("/a.md", "one\ntwo\nthree, theirs\n");
  race = writesFirst(dir.path, "/a.md", "one, mine\ntwo\nthree\n");
  s.transport.answer = conflictOnce();
  await s.engine.pull({ full: false });
  assertEquals(
    await s.local("a.md"),
    "one, mine\ntwo\nthree\n",
    "the pull does not replace an edit made after it looked",
  );
  await s.takeIn();
  assertEquals(await s.local("a.md"), "one, mine\ntwo\nthree, theirs\n");
  await s.close();
});

Deno.test("SyncEngine: a conflict the server failed to let in is read again by the next pull, though no event is new", async () => {
  await using dir = await usingTempDir();
  const s = setup(dir.path);
  s.remote.put("/a.md", "base\n");
  await s.engine.pull({ full: true });
  s.transport.hold();
  await Deno.writeTextFile(join(dir.path, "a.md"), "mine\n");
  await s.engine.handleHints(["a.md"]);
  await s.transport.requested(1);
  s.remote.put("/a.md", "theirs\n");
  await s.engine.pull({ full: false }); // its event waits for the upload in flight, then is behind the cursor
  s.transport.answer = () => ({ conflict: true });
  s.transport.release();
  s.remote.failingReads = 1; // the read of the server's version, after the conflict
  await s.takeIn();
  assertEquals(await s.local("a.md"), "mine\n");
  assertOk(s.logs.some((line) => line.includes("the next pull reads it again")), s.logs.join("\n"));
  await s.engine.pull({ full: false });
  assertEquals(await s.local("a.md"), "theirs\n");
  assertEquals(await Deno.readTextFile(join(dir.path, ".relay/conflicts/a.md.rev_101.local")), "mine\n");
  await s.close();
});
