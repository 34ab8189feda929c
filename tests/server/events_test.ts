import { waitFor } from "../support/wait.ts";
import { assertEquals } from "../support/assert.ts";
import { usingServer, WORKSPACE } from "./_server.ts";

Deno.test("events: a page starts after the cursor and names a next cursor only while more remain", async () => {
  await using s = await usingServer();
  for (const path of ["/notion/a", "/github/b", "/notion/c"]) await s.write(path, "x");
  await s.api("DELETE", "fs/file?path=/notion/a", { headers: { "if-match": "rev_1" } });
  const first = await s.api("GET", "fs/events?limit=2");
  assertEquals(first.json.events.map((event: { eventId: string }) => event.eventId), ["evt_1", "evt_2"]);
  assertEquals(first.json.nextCursor, "evt_2");
  const rest = await s.api("GET", "fs/events?cursor=evt_2&limit=2");
  assertEquals(rest.json.events.map((event: { type: string }) => event.type), ["file.created", "file.deleted"]);
  assertEquals(rest.json.nextCursor, null);
  const notion = await s.api("GET", "fs/events?provider=notion");
  assertEquals(notion.json.events.map((event: { path: string }) => event.path), [
    "/notion/a",
    "/notion/c",
    "/notion/a",
  ]);
  const unknown = await s.api("GET", "fs/events?cursor=evt_999");
  assertEquals(unknown.json.events.length, 4, "an unknown cursor restarts from the first event");
  const newest = await s.api("GET", "fs/events?direction=desc&limit=1");
  assertEquals(newest.json.events[0].eventId, "evt_4");
  assertEquals(first.json.events[0].origin, "agent_write");
});

Deno.test("the WebSocket sends catch-up, then live events, and answers a ping", async () => {
  await using s = await usingServer();
  await s.write("/docs/before.md", "x");
  const wsUrl = `${s.server.url.replace("http", "ws")}/v1/workspaces/${WORKSPACE}/fs/ws?token=${s.token}`;
  const socket = new WebSocket(wsUrl);
  const messages: Record<string, unknown>[] = [];
  const received = (count: number) => waitFor(`${count} messages`, () => messages.length >= count);
  socket.onmessage = (message) => messages.push(JSON.parse(message.data));
  await new Promise((resolve) => socket.onopen = resolve);
  await received(1);
  assertEquals([messages[0]!.type, messages[0]!.path, messages[0]!.revision], [
    "file.created",
    "/docs/before.md",
    "rev_1",
  ]);
  await s.write("/docs/live.md", "y");
  await received(2);
  assertEquals(messages[1]!.path, "/docs/live.md");
  socket.send(JSON.stringify({ type: "ping" }));
  await received(3);
  assertEquals(messages[2]!.type, "pong");
  socket.close();
  await new Promise((resolve) => socket.onclose = resolve);
});

Deno.test("the WebSocket catches up from a cursor, and refuses a bad token before upgrading", async () => {
  await using s = await usingServer();
  for (const path of ["/a", "/b", "/c"]) await s.write(path, "x");
  const base = `${s.server.url.replace("http", "ws")}/v1/workspaces/${WORKSPACE}/fs/ws`;
  const socket = new WebSocket(`${base}?token=${s.token}&cursor=evt_2`);
  const paths: string[] = [];
  socket.onmessage = (message) => paths.push(JSON.parse(message.data).path);
  await new Promise((resolve) => socket.onopen = resolve);
  await waitFor("the catch-up message", () => paths.length >= 1);
  socket.close();
  await new Promise((resolve) => socket.onclose = resolve);
  assertEquals(paths, ["/c"]);

  const refused = await fetch(`${s.server.url}/v1/workspaces/${WORKSPACE}/fs/ws?token=garbage`);
  assertEquals([refused.status, (await refused.json()).code], [401, "unauthorized"]);
});

Deno.test("a token scoped to a folder never learns other paths: events, the WebSocket, tree, export and ops", async () => {
  await using s = await usingServer();
  await s.write("/docs/a.md", "a");
  await s.write("/private/secret-plan.md", "x");
  const docs = await s.server.mintToken({ workspace: WORKSPACE, scopes: ["relayfile:fs:read:/docs/**", "ops:read"] });
  const paths = (items: { path: string }[]) => items.map((item) => item.path);
  const events = (await s.api("GET", "fs/events", { token: docs })).json;
  assertEquals(paths(events.events), ["/docs/a.md"]);
  const tree = (await s.api("GET", "fs/tree?path=/&depth=5", { token: docs })).json;
  assertEquals(paths(tree.entries).filter((path) => path.includes("private")), []);
  const exported = (await s.api("GET", "fs/export?format=json&path=/", { token: docs })).json;
  assertEquals(paths(exported), ["/docs/a.md"]);
  const ops = (await s.api("GET", "ops", { token: docs })).json;
  assertEquals(paths(ops.items), ["/docs/a.md"]);
  assertEquals((await s.api("GET", "ops/op_2", { token: docs })).status, 404);

  const socket = new WebSocket(`${s.server.url.replace("http", "ws")}/v1/workspaces/${WORKSPACE}/fs/ws?token=${docs}`);
  const seen: string[] = [];
  socket.onmessage = (message) => seen.push(JSON.parse(message.data).path);
  await new Promise((resolve) => socket.onopen = resolve);
  await s.write("/private/later.md", "y");
  await s.write("/docs/later.md", "z");
  await waitFor("the live event", () => seen.includes("/docs/later.md"));
  socket.close();
  await new Promise((resolve) => socket.onclose = resolve);
  assertEquals(seen.filter((path) => path.startsWith("/private")), []);
});
