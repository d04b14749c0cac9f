import type { FastifyInstance } from "fastify";
import type { SigningIdentity } from "./signing-certificate.js";

/**
 * `GET /__sns/cert.pem` (CONTRACT): the certificate behind every IPN's `SigningCertURL`; and
 * `GET /__sns/unsubscribe`, the `UnsubscribeURL` target, which answers as SNS does but keeps
 * delivering (an emulated merchant's IPN URL is set through the admin API, not by SNS).
 */
export function registerSnsRoutes(app: FastifyInstance, identity: SigningIdentity): void {
  app.get("/__sns/cert.pem", async (_request, reply) =>
    reply.code(200).type("application/x-pem-file").send(identity.certificatePem),
  );
  app.get("/__sns/unsubscribe", async (_request, reply) =>
    reply
      .code(200)
      .type("text/xml")
      .send(
        '<UnsubscribeResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></UnsubscribeResponse>',
      ),
  );
}
