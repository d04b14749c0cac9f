import type { FastifyInstance } from "fastify";
import type { Database } from "../../store/database.js";
import { type IpnDeliveryOptions, IpnDeliveryWorker } from "./delivery-worker.js";
import { loadOrCreateSigningIdentity, type SigningIdentity } from "./signing-certificate.js";
import { registerSnsRoutes } from "./sns-routes.js";

export { DEFAULT_IPN_RETRY_SCHEDULE, IpnDeliveryWorker, type IpnFaultSwitches } from "./delivery-worker.js";
export { derivedSecret, type SigningIdentity } from "./signing-certificate.js";

export interface IpnSetup {
  identity: SigningIdentity;
  worker: IpnDeliveryWorker;
}

/**
 * Everything the emulator needs for IPNs in one call: loads (or creates) the signing identity,
 * serves `/__sns/*` on `app` (before it listens), and returns the worker, not yet started; call
 * `worker.start()` once the origin is known, `worker.wake()` after commits that enqueued
 * notifications, and `worker.stop()` on shutdown.
 */
export async function setUpIpnDelivery(
  app: FastifyInstance,
  options: Omit<IpnDeliveryOptions, "identity"> & { db: Database; now: number },
): Promise<IpnSetup> {
  const identity = await loadOrCreateSigningIdentity(options.db, options.now);
  registerSnsRoutes(app, identity);
  return { identity, worker: new IpnDeliveryWorker({ ...options, identity }) };
}
