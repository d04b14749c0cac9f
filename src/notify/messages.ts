/**
 * What a door's notifier renders from one domain event, and which outbox holds it: the Paygate
 * door's URLNotify POST (`notifications`) or the JSON API door's signed webhook, one per endpoint
 * (`webhook_deliveries`). Both are written in the transaction of the state change and delivered by
 * the one {@link NotifyWorker} (docs/async.md).
 */

/** A URLNotify POST to the shop (the form body is final: encrypted and MACed when rendered). */
export interface UrlNotifyMessage {
  readonly channel: "urlnotify";
  readonly url: string;
  readonly body: string;
}

/** A webhook to one endpoint: the JSON body is final, the signature is made when it is sent. */
export interface WebhookMessage {
  readonly channel: "webhook";
  readonly endpointId: string;
  /** The event's `id` (the same for every endpoint; a receiver does things once by it). */
  readonly eventId: string;
  readonly eventType: string;
  readonly body: string;
}

export type OutboxMessage = UrlNotifyMessage | WebhookMessage;
