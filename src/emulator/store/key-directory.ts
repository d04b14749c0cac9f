/**
 * The emulator's registered public keys with their merchants, remembered per process: the API's
 * request authentication and the buyer side's button-signature check ask the same directory.
 */
import type { Queryable } from "../../store/database.js";
import { findMerchant, findPublicKey, type MerchantRow, type PublicKeyRow } from "./repository.js";

/** How many registered keys a process remembers (the oldest is forgotten first). */
const KNOWN_KEYS = 10_000;

/**
 * The registered public keys with their merchants. Nothing updates or deletes a key or a
 * merchant (both tables are insert-only), so a key once found stays as it was: each process
 * keeps what it found and asks the database only about key ids it has not seen (an unknown id
 * is asked again every time, since it may be registered meanwhile, by another process too).
 */
export class KeyDirectory {
  readonly #known = new Map<string, { key: PublicKeyRow; merchant: MerchantRow | undefined }>();

  constructor(private readonly db: Queryable) {}

  async find(
    publicKeyId: string,
  ): Promise<{ key: PublicKeyRow; merchant: MerchantRow | undefined } | undefined> {
    const known = this.#known.get(publicKeyId);
    if (known !== undefined) return known;
    const key = await findPublicKey(this.db, publicKeyId);
    if (key === undefined) return undefined;
    const found = { key, merchant: await findMerchant(this.db, key.merchantId) };
    if (found.merchant === undefined) return found;
    if (this.#known.size >= KNOWN_KEYS) this.#known.delete(this.#known.keys().next().value as string);
    this.#known.set(publicKeyId, found);
    return found;
  }
}
