export { DEFAULT_MAX_BODY_BYTES, type RunningServer, type ServerOptions, startServer } from "./server.ts";
export { defaultDataDir, openDataDir, readSecret } from "./data_dir.ts";
export { DEFAULT_SCOPES, DEFAULT_TOKEN_TTL_MS, DEFAULT_WORKSPACE, mintDevToken } from "./dev_token.ts";
export { parseRateLimit, type RateLimit } from "./rate_limit.ts";
export { AUTO_PROVIDER, type ProviderModel, type WritebackMode } from "./provider.ts";
export { DEFAULT_CONNECTION_LIMITS } from "./connection_table.ts";
