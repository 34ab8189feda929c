/** zod pieces shared by the writeback record formats (outbox ops and dead letters). */
import { z } from "zod";
import { CLASSIFICATIONS, NEXT_ACTIONS } from "./classify.ts";
import { OP_KINDS } from "./records.ts";

export const AttemptSchema = z.object({
  at: z.string(),
  status: z.number().int(),
  code: z.string().optional(),
  error: z.string(),
});

export const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);
export const OpKindSchema = z.enum(OP_KINDS);
export const ClassificationSchema = z.enum(CLASSIFICATIONS);
export const NextActionSchema = z.enum(NEXT_ACTIONS);
