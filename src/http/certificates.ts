/**
 * Self-signed X.509 certificates: the TLS certificate every Kasse server makes on first start,
 * and the emulator's SNS signing certificate. Built with @peculiar/x509 on Node's WebCrypto.
 */
// @peculiar/x509 needs a Reflect metadata polyfill loaded before it (its README).
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

export interface CertificatePem {
  readonly cert: string;
  readonly key: string;
}

export interface SelfSignedOptions {
  /** Distinguished name, e.g. `CN=localhost`. */
  readonly subject: string;
  /** ECDSA P-256 (cheap TLS handshakes) or RSA-2048 (what SNS signatures need). */
  readonly keyType: "ecdsa-p256" | "rsa-2048";
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly usage: "tls-server" | "signing";
  /** Epoch milliseconds; `notBefore` is backdated a day to tolerate clock skew. */
  readonly now: number;
  readonly validDays: number;
}

const DAY_MS = 86_400_000;

const KEY_ALGORITHMS = {
  "ecdsa-p256": {
    generate: { name: "ECDSA", namedCurve: "P-256" },
    sign: { name: "ECDSA", hash: "SHA-256" },
  },
  "rsa-2048": {
    generate: {
      name: "RSASSA-PKCS1-v1_5",
      hash: "SHA-256",
      publicExponent: new Uint8Array([1, 0, 1]),
      modulusLength: 2048,
    },
    sign: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  },
} as const;

type X509Crypto = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1];

export async function createSelfSignedCertificate(options: SelfSignedOptions): Promise<CertificatePem> {
  const algorithm = KEY_ALGORITHMS[options.keyType];
  const keys = (await webcrypto.subtle.generateKey(algorithm.generate, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const altNames = [
    ...(options.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (options.usage === "tls-server") {
    extensions.push(
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    );
  } else {
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true));
  }
  if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames));
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: `01${webcrypto.getRandomValues(new Uint8Array(8)).reduce((hex, byte) => hex + byte.toString(16).padStart(2, "0"), "")}`,
      name: options.subject,
      notBefore: new Date(options.now - DAY_MS),
      notAfter: new Date(options.now + options.validDays * DAY_MS),
      signingAlgorithm: algorithm.sign,
      keys,
      extensions,
    },
    webcrypto as unknown as X509Crypto,
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  return { cert: certificate.toString("pem"), key: toPem("PRIVATE KEY", pkcs8) };
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
