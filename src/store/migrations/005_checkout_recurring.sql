-- A checkout records whether it asked Amazon for a Recurring charge permission (RTF=I) in its
-- context (`recurring`), instead of RTF=R re-reading the signed button payload. Checkouts stored
-- before carry the answer in that payload: it is copied once here. Payloads are Kasse's own JSON;
-- merchant-initiated payments keep an empty payload and need no flag.
UPDATE payments
SET context = context || jsonb_build_object(
  'recurring',
  ((context -> 'button' ->> 'payload')::jsonb ->> 'chargePermissionType') = 'Recurring'
)
WHERE checkout_mode <> 'MerchantInitiated'
  AND context ? 'button'
  AND (context -> 'button' ->> 'payload') LIKE '{%';

-- A completion's buyer details are kept as the domain's BuyerDetails (`buyer`) instead of the
-- Paygate answer fields (`completionDetails`); a completion still pending at the upgrade needs
-- them for its notify, so they are carried over.
UPDATE payments
SET context = (context - 'completionDetails') || jsonb_build_object('buyer', jsonb_strip_nulls(jsonb_build_object(
  'buyerId', d ->> 'buyerId',
  'name', d ->> 'buyerName',
  'email', d ->> 'buyerEmail',
  'phoneNumber', d ->> 'buyerPhonenumber',
  'billingAddress', jsonb_strip_nulls(jsonb_build_object(
    'name', d ->> 'bdAddrName', 'addressLine1', d ->> 'bdAddrStreet', 'postalCode', d ->> 'bdAddrZip',
    'city', d ->> 'bdAddrCity', 'stateOrRegion', d ->> 'bdAddrState',
    'countryCode', d ->> 'bdAddrCountrycode', 'phoneNumber', d ->> 'bdPhoneNumber')),
  'shippingAddress', jsonb_strip_nulls(jsonb_build_object(
    'name', d ->> 'AddrName', 'addressLine1', d ->> 'AddrStreet', 'addressLine2', d ->> 'AddrStreet2',
    'addressLine3', d ->> 'AddrStreet3', 'postalCode', d ->> 'AddrZip', 'city', d ->> 'AddrCity',
    'stateOrRegion', d ->> 'AddrState', 'countryCode', d ->> 'AddrCountrycode',
    'phoneNumber', d ->> 'PhoneNumber')),
  'amazonMerchantId', d ->> 'AmazonMerchantid',
  'chargePermissionType', d ->> 'RTF',
  'paymentDescriptor', d ->> 'AmazonPaymentDescriptor',
  'checkoutSessionId', d ->> 'AmazoncheckoutSessionid',
  'amazonPayRedirectUrl', d ->> 'AmazonpayRedirectUrl'
)))
FROM (SELECT merchant_id AS m, pay_id AS p, context -> 'completionDetails' AS d FROM payments
      WHERE context ? 'completionDetails') AS kept
WHERE payments.merchant_id = kept.m AND payments.pay_id = kept.p;
