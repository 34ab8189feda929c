import { ConnectionTable, HeadEndScanner } from "../../src/server/connection_table.ts";
import { assertEquals } from "../support/assert.ts";

const LIMITS = { max: 2, headerTimeoutMs: 10_000, idleTimeoutMs: 120_000, evictIdleAfterMs: 1_000 };

Deno.test("connections under the cap are admitted", () => {
  const table = new ConnectionTable<string>(LIMITS);
  assertEquals(table.admit("a", 0), { admitted: true });
  assertEquals(table.admit("b", 0), { admitted: true });
  assertEquals(table.size, 2);
});

Deno.test("at the cap a newcomer takes the place of the longest-idle connection that waits on its client", () => {
  const table = new ConnectionTable<string>(LIMITS);
  table.admit("silent", 0);
  table.admit("answered", 100);
  table.activity("answered", "client", 200);
  table.headComplete("answered");
  table.activity("answered", "server", 300);
  assertEquals(table.admit("new", 5_000), { admitted: true, evict: "silent" });
  assertEquals(table.admit("newer", 5_000), { admitted: true, evict: "answered" });
  assertEquals(table.size, 2);
});

Deno.test("at the cap a request being sent or answered is never cut: the newcomer is refused", () => {
  const table = new ConnectionTable<string>(LIMITS);
  table.admit("uploading", 0);
  table.activity("uploading", "client", 10);
  table.headComplete("uploading");
  table.admit("just-opened", 4_500);
  assertEquals(table.admit("new", 5_000), { admitted: false });
  assertEquals(table.size, 2);
});

Deno.test("a connection idle for less than a second is not evicted", () => {
  const table = new ConnectionTable<string>(LIMITS);
  table.admit("a", 0);
  table.admit("b", 0);
  assertEquals(table.admit("c", 999), { admitted: false });
  assertEquals(table.admit("c", 1_000), { admitted: true, evict: "a" });
});

Deno.test("a connection without a whole request head after the header timeout expires, however chatty", () => {
  const table = new ConnectionTable<string>(LIMITS);
  table.admit("slowloris", 0);
  table.admit("polite", 0);
  table.headComplete("polite");
  for (let t = 1_000; t < 10_000; t += 1_000) table.activity("slowloris", "client", t);
  assertEquals(table.expire(9_999), []);
  assertEquals(table.expire(10_000), [["slowloris", "header-timeout"]]);
  assertEquals(table.size, 1);
});

Deno.test("a connection with no byte either way for the idle timeout expires; any byte restarts the clock", () => {
  const table = new ConnectionTable<string>(LIMITS);
  table.admit("kept", 0);
  table.admit("idle", 0);
  table.headComplete("kept");
  table.headComplete("idle");
  table.activity("kept", "server", 100_000);
  assertEquals(table.expire(120_000), [["idle", "idle-timeout"]]);
  assertEquals(table.expire(219_999), []);
  assertEquals(table.expire(220_000), [["kept", "idle-timeout"]]);
});

Deno.test("a removed connection frees its place and is never expired", () => {
  const table = new ConnectionTable<string>(LIMITS);
  table.admit("a", 0);
  table.admit("b", 0);
  table.remove("a");
  assertEquals(table.admit("c", 0), { admitted: true });
  table.remove("b");
  table.remove("c");
  assertEquals(table.expire(1_000_000), []);
});

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("the end of a request head is found wherever the chunks split it", () => {
  const head = "GET / HTTP/1.1\r\nhost: x\r\n\r\nbody";
  for (let split = 0; split <= head.length; split++) {
    const scanner = new HeadEndScanner();
    const first = scanner.feed(bytes(head.slice(0, split)));
    const second = scanner.feed(bytes(head.slice(split)));
    assertEquals(first || second, true, `split at ${split}`);
    assertEquals(first, split >= head.indexOf("\r\n\r\n") + 4, `split at ${split}`);
  }
});

Deno.test("a head still being sent is not taken as ended", () => {
  const scanner = new HeadEndScanner();
  assertEquals(scanner.feed(bytes("GET / HTTP/1.1\r\nhost: x\r\n")), false);
  assertEquals(scanner.feed(bytes("\r")), false);
  assertEquals(scanner.feed(bytes("x\r\n\r")), false);
  assertEquals(scanner.feed(bytes("\r\n\r\n")), true);
});
