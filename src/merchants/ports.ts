/**
 * What the merchants module needs from the process, and what it shares with the doors that set
 * merchants up (the admin API, the JSON API, the back office), as ports: the composition root
 * (src/gateway) implements them — the master key's `SecretBox`, the built-in emulator's endpoint.
 */

/** Seals and opens a secret bound to a label (the gateway's master key, AES-256-GCM). */
export interface SecretSealer {
  seal(plaintext: string, label: string): string;
  open(sealed: string, label: string): string;
}

/** Where the built-in emulator listens and the certificate it presents. */
export interface EmulatorEndpoint {
  /** `https://host:port` */
  readonly url: string;
  /** PEM of the emulator's (self-signed) certificate. */
  readonly ca: string;
  /** The token its `/__admin` asks for, when it asks for one (docs/emulator.md). */
  readonly adminToken?: string;
}
