import { generateKeyPairSync } from "node:crypto";

/** An RSA-2048 key pair as PEM, like the one a merchant creates in Seller Central. */
export function generateKeyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}
