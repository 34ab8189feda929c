import { CLOSED, isOpen, recordFailure, recordSuccess } from "../../src/writeback/circuit.ts";
import { assertEquals } from "../support/assert.ts";

const options = { threshold: 3, baseMs: 100, capMs: 1000 };

Deno.test("the circuit opens after the threshold of consecutive failures, with a growing, capped cooldown", () => {
  let state = CLOSED;
  state = recordFailure(state, 0, options);
  state = recordFailure(state, 0, options);
  assertEquals(isOpen(state, 0), false);
  state = recordFailure(state, 0, options);
  assertEquals([isOpen(state, 50), isOpen(state, 100)], [true, false]);
  state = recordFailure(state, 100, options); // the probe failed
  assertEquals(state.openUntil, 300);
  for (let i = 0; i < 10; i++) state = recordFailure(state, 1000, options);
  assertEquals(state.openUntil, 2000, "capped");
});

Deno.test("one answer from the server closes the circuit", () => {
  let state = CLOSED;
  for (let i = 0; i < 3; i++) state = recordFailure(state, 0, options);
  assertEquals(recordSuccess(state), CLOSED);
});
