import { assertEquals } from "../support/assert.ts";
import { usingServer } from "./_server.ts";

async function seeded() {
  const s = await usingServer();
  await s.api("POST", "fs/bulk", {
    body: {
      files: [
        { path: "/notion/Eng/Auth.md", content: "auth" },
        { path: "/notion/Eng/Deep/x/y.md", content: "deep" },
        { path: "/notion/Top.md", content: "top" },
        { path: "/github/r.md", content: "r" },
      ],
    },
  });
  return s;
}

Deno.test("export returns the File objects under a path, sorted", async () => {
  await using s = await seeded();
  const all = await s.api("GET", "fs/export?format=json&path=/");
  assertEquals(all.json.map((file: { path: string }) => file.path), [
    "/github/r.md",
    "/notion/Eng/Auth.md",
    "/notion/Eng/Deep/x/y.md",
    "/notion/Top.md",
  ]);
  const notion = await s.api("GET", "fs/export?format=json&path=/notion/Eng");
  assertEquals(notion.json.length, 2);
  assertEquals(notion.json[0].content, "auth");
  assertEquals((await s.api("GET", "fs/export?format=tar")).json.code, "bad_request");
});

Deno.test("tree lists files and folders within the depth, with dir entries", async () => {
  await using s = await seeded();
  const tree = await s.api("GET", "fs/tree?path=/notion&depth=2");
  assertEquals(tree.json.path, "/notion");
  assertEquals(tree.json.entries.map((entry: { path: string; type: string }) => `${entry.type} ${entry.path}`), [
    "dir /notion/Eng",
    "file /notion/Eng/Auth.md",
    "dir /notion/Eng/Deep",
    "file /notion/Top.md",
  ]);
  assertEquals(tree.json.entries[0].revision, "dir");
  assertEquals(tree.json.nextCursor, null);
});

Deno.test("tree pages with a path cursor and refuses an unknown cursor", async () => {
  await using s = await seeded();
  const seen: string[] = [];
  let cursor = "";
  for (let page = 0; page < 20; page++) {
    const response = await s.api("GET", `fs/tree?path=/&depth=10&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
    seen.push(...response.json.entries.map((entry: { path: string }) => entry.path));
    if (response.json.nextCursor === null) break;
    cursor = encodeURIComponent(response.json.nextCursor);
  }
  assertEquals(seen.length, 9, "4 files and 5 folders, each once");
  assertEquals(new Set(seen).size, 9);
  assertEquals((await s.api("GET", "fs/tree?cursor=/nope")).status, 400);
});

Deno.test("a token with a narrow read grant sees only its files in export and tree", async () => {
  await using s = await seeded();
  const narrow = await s.server.mintToken({ workspace: "ws_test", scopes: ["relayfile:fs:read:/github/**"] });
  const exported = await s.api("GET", "fs/export?format=json", { token: narrow });
  assertEquals(exported.json.map((file: { path: string }) => file.path), ["/github/r.md"]);
  assertEquals((await s.api("GET", "fs/file?path=/notion/Top.md", { token: narrow })).status, 403);
});

Deno.test("tree sizes count the stored content's UTF-8 bytes, as the reference's len does", async () => {
  await using s = await usingServer();
  await s.api("POST", "fs/bulk", {
    body: {
      files: [
        { path: "/t/accent.md", content: "é" },
        { path: "/t/emoji.md", content: "😀" },
        { path: "/t/bin.dat", content: "AAEC", encoding: "base64" },
      ],
    },
  });
  const tree = await s.api("GET", "fs/tree?path=/t&depth=1");
  const sizes = Object.fromEntries(
    tree.json.entries.map((entry: { path: string; size?: number }) => [entry.path, entry.size]),
  );
  assertEquals(sizes, { "/t/accent.md": 2, "/t/bin.dat": 4, "/t/emoji.md": 4 });
});
