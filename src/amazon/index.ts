/** Kasse's Amazon Pay v2 connector: signer, typed client, wire types, errors and money mapping. */
export * from "./canonical.js";
export * from "./client.js";
export * from "./errors.js";
export * from "./map.js";
export * from "./signer.js";
export type * from "./wire.js";
