/** valibot pieces shared by the writeback record formats (outbox ops and dead letters). */
import * as v from "valibot";
import { CLASSIFICATIONS, NEXT_ACTIONS } from "./classify.ts";
import { OP_KINDS } from "./records.ts";

export const IntegerSchema = v.pipe(v.number(), v.integer());
/** An integer ≥ 0. */
export const CountSchema = v.pipe(v.number(), v.integer(), v.minValue(0));
export const NonEmptySchema = v.pipe(v.string(), v.minLength(1));

export const AttemptSchema = v.object({
  at: v.string(),
  status: IntegerSchema,
  code: v.optional(v.string()),
  error: v.string(),
});

export const Sha256Schema = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
export const OpKindSchema = v.picklist(OP_KINDS);
export const ClassificationSchema = v.picklist(CLASSIFICATIONS);
export const NextActionSchema = v.picklist(NEXT_ACTIONS);

export const ReceiptSchema = v.object({
  serverOpId: NonEmptySchema,
  acceptedAt: v.string(),
  revision: v.nullable(v.string()),
});

export const ProviderRefusalSchema = v.object({
  serverOpId: v.string(),
  name: v.string(),
  status: v.string(),
  error: v.string(),
  result: v.optional(v.record(v.string(), v.unknown())),
});
