/**
 * Fake timers (`@sinonjs/fake-timers`) for tests of code that also does real I/O: `settle()` lets that I/O (outbox
 * writes) finish between fake-time steps, `settleUntil()` until a condition holds. Dispose to uninstall.
 */
import FakeTimers from "@sinonjs/fake-timers";

export function fakeTime() {
  const realTimeout = globalThis.setTimeout;
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  const settle = async () => {
    for (let turn = 0; turn < 30; turn++) {
      await clock.tickAsync(0);
      await new Promise((resolve) => realTimeout(resolve, 1));
    }
  };
  const settleUntil = async (what: string, done: () => boolean) => {
    for (let round = 0; round < 20 && !done(); round++) await settle();
    if (!done()) throw new Error(`never reached: ${what}`);
  };
  return { clock, settle, settleUntil, [Symbol.dispose]: () => clock.uninstall() };
}
