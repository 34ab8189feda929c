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

export const ReceiptSchema = z.object({
  serverOpId: z.string().min(1),
  acceptedAt: z.string(),
  revision: z.string().nullable(),
});

export const ProviderRefusalSchema = z.object({
  serverOpId: z.string(),
  name: z.string(),
  status: z.string(),
  error: z.string(),
  result: z.record(z.string(), z.unknown()).optional(),
});
