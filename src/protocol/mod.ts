/** What the client and the server share: remote paths, scopes, content encoding and the wire schemas. */
export * from "./paths.ts";
export * from "./scopes.ts";
export * from "./content.ts";
export * from "./wire.ts";
