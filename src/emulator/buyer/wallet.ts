/**
 * The emulator's sandbox test buyers, as data: who signs in on the buyer pages, which addresses
 * and instruments they hold, and what each instrument does when the buyer pays with it.
 *
 * The card suffixes behave as Amazon's sandbox wallet does (reference §9): the outcome of a card
 * is data here, and the engine's state machine reads it instead of matching suffixes itself.
 */

export type WalletRegion = "eu" | "na" | "jp";

/**
 * What happens when the buyer pays with an instrument (reference §9, "Simulated payment methods").
 * - `Success`: Charge Authorized (Authorize/AuthorizeWithCapture) or Charge Permission Chargeable (Confirm).
 * - `BuyerCanceled`: the Checkout Session ends Canceled/BuyerCanceled once the buyer is back on the result URL.
 * - `Declined`: the Checkout Session ends Canceled/Declined.
 * - `Pending`: the Charge starts `AuthorizationInitiated` and after `afterSeconds` of the emulated
 *   clock ends in `finalState` with `finalReasonCode`; it needs paymentIntent `Authorize` and
 *   `canHandlePendingAuthorization: true`, otherwise the payment is refused.
 */
export type CardOutcome =
  | { readonly kind: "Success" }
  | { readonly kind: "BuyerCanceled" }
  | { readonly kind: "Declined" }
  | {
      readonly kind: "Pending";
      readonly afterSeconds: number;
      readonly finalState: "Authorized" | "Declined";
      readonly finalReasonCode: "HardDeclined" | null;
    };

/** Amazon's address object, keys in the order Amazon returns them (reference §4.1). */
export interface WalletAddress {
  readonly name: string;
  readonly addressLine1: string;
  readonly addressLine2: string | null;
  readonly addressLine3: string | null;
  readonly city: string | null;
  readonly county: string | null;
  readonly district: string | null;
  readonly stateOrRegion: string | null;
  readonly postalCode: string;
  readonly countryCode: string;
  readonly phoneNumber: string;
}

export interface WalletAddressEntry {
  /** Stable id used by the buyer pages and by the `buyer.address` selection. */
  readonly addressId: string;
  readonly label: string;
  readonly address: WalletAddress;
}

export interface WalletInstrument {
  /** Stable id used by the buyer pages and by the `buyer.instrument` selection. */
  readonly instrumentId: string;
  readonly brand: string;
  readonly last4: string;
  /** As Amazon shows it in `paymentPreferences[].paymentDescriptor`. */
  readonly paymentDescriptor: string;
  readonly billingAddress: WalletAddress;
  readonly outcome: CardOutcome;
}

export interface TestBuyer {
  readonly buyerId: string;
  readonly region: WalletRegion;
  readonly name: string;
  readonly email: string;
  readonly phoneNumber: string;
  readonly addresses: readonly WalletAddressEntry[];
  readonly instruments: readonly WalletInstrument[];
}

/** A concrete choice: who pays, shipping where, with what. */
export interface BuyerChoice {
  readonly buyer: TestBuyer;
  readonly address: WalletAddressEntry;
  readonly instrument: WalletInstrument;
}

/**
 * The `"buyer"` field of the admin shortcuts (CONTRACT.md, `kasse emulator`). Every key is
 * optional; together they narrow the region's test buyers down to one choice:
 * `card` (last four digits), `email` or `buyerId` (which buyer), `address` (an `addressId`),
 * `instrument` (an `instrumentId`). An empty selection is the region's first buyer with their
 * default address and instrument.
 */
export interface BuyerSelection {
  readonly card?: string;
  readonly email?: string;
  readonly buyerId?: string;
  readonly address?: string;
  readonly instrument?: string;
}

/** A selection that matches no test buyer, or is malformed; the message says which part. */
export class UnknownBuyerSelectionError extends Error {
  override readonly name = "UnknownBuyerSelectionError";
}

const SUCCESS: CardOutcome = { kind: "Success" };

/** Card suffix → outcome, exactly the table of reference §9. */
export const CARD_OUTCOMES: Readonly<Record<string, CardOutcome>> = {
  "1111": SUCCESS,
  "0005": SUCCESS,
  "4444": SUCCESS,
  "9424": SUCCESS,
  "0000": SUCCESS,
  "3064": { kind: "BuyerCanceled" },
  "3434": { kind: "Declined" },
  "0701": { kind: "Pending", afterSeconds: 30, finalState: "Authorized", finalReasonCode: null },
  "4354": { kind: "Pending", afterSeconds: 30, finalState: "Declined", finalReasonCode: "HardDeclined" },
};

/** Which brand each simulated card carries in the wallet (cosmetic; the suffix decides the outcome). */
const CARD_BRANDS: ReadonlyArray<readonly [string, string]> = [
  ["1111", "Visa"],
  ["0005", "Amex"],
  ["4444", "Mastercard"],
  ["9424", "Discover"],
  ["0000", "Visa"],
  ["3064", "Visa"],
  ["3434", "Mastercard"],
  ["0701", "Visa"],
  ["4354", "Mastercard"],
];

/** Brands that suit the market better than the default (no Discover outside NA; JCB in JP). */
const REGION_BRAND_OVERRIDES: Readonly<Record<WalletRegion, Readonly<Record<string, string>>>> = {
  eu: { "9424": "Visa" },
  na: {},
  jp: { "9424": "JCB", "0005": "JCB" },
};

function address(
  fields: Partial<WalletAddress> &
    Pick<WalletAddress, "name" | "addressLine1" | "postalCode" | "countryCode" | "phoneNumber">,
): WalletAddress {
  return {
    name: fields.name,
    addressLine1: fields.addressLine1,
    addressLine2: fields.addressLine2 ?? null,
    addressLine3: fields.addressLine3 ?? null,
    city: fields.city ?? null,
    county: fields.county ?? null,
    district: fields.district ?? null,
    stateOrRegion: fields.stateOrRegion ?? null,
    postalCode: fields.postalCode,
    countryCode: fields.countryCode,
    phoneNumber: fields.phoneNumber,
  };
}

/** The full simulated wallet: every card of §9, billed to the buyer's first address. */
function fullWallet(prefix: string, region: WalletRegion, billing: WalletAddress): WalletInstrument[] {
  return CARD_BRANDS.map(([last4, defaultBrand]) =>
    cardInstrument(prefix, region, billing, last4, defaultBrand),
  );
}

function cardInstrument(
  prefix: string,
  region: WalletRegion,
  billing: WalletAddress,
  last4: string,
  defaultBrand: string,
): WalletInstrument {
  const brand = REGION_BRAND_OVERRIDES[region][last4] ?? defaultBrand;
  return {
    instrumentId: `${prefix}-card-${last4}`,
    brand,
    last4,
    paymentDescriptor: `${brand} ****${last4} (Amazon Pay)`,
    billingAddress: billing,
    outcome: CARD_OUTCOMES[last4] ?? SUCCESS,
  };
}

function buyer(
  prefix: string,
  fields: Omit<TestBuyer, "addresses" | "instruments">,
  addresses: ReadonlyArray<readonly [string, string, WalletAddress]>,
  cards: readonly string[] | "all",
): TestBuyer {
  const entries = addresses.map(([id, label, value]) => ({
    addressId: `${prefix}-${id}`,
    label,
    address: value,
  }));
  const billing = (entries[0] as WalletAddressEntry).address;
  const instruments =
    cards === "all"
      ? fullWallet(prefix, fields.region, billing)
      : cards.map((last4) => {
          const brand = CARD_BRANDS.find(([suffix]) => suffix === last4)?.[1] ?? "Visa";
          return cardInstrument(prefix, fields.region, billing, last4, brand);
        });
  return { ...fields, addresses: entries, instruments };
}

/** Every test buyer, by region; the first buyer of a region is its default. */
export const TEST_BUYERS: readonly TestBuyer[] = [
  buyer(
    "eu-anna",
    {
      buyerId: "amzn1.account.AEMULATORANNA0SCHMIDT0DE01",
      region: "eu",
      name: "Anna Schmidt",
      email: "anna.schmidt@example.de",
      phoneNumber: "+49 30 12345678",
    },
    [
      [
        "home",
        "Zuhause",
        address({
          name: "Anna Schmidt",
          addressLine1: "Friedrichstraße 123",
          city: "Berlin",
          postalCode: "10117",
          countryCode: "DE",
          phoneNumber: "+49 30 12345678",
        }),
      ],
      [
        "work",
        "Büro",
        address({
          name: "Anna Schmidt",
          addressLine1: "Leopoldstraße 45",
          addressLine2: "c/o Beispiel GmbH",
          city: "München",
          postalCode: "80802",
          countryCode: "DE",
          phoneNumber: "+49 89 7654321",
        }),
      ],
      [
        "packstation",
        "Packstation",
        address({
          name: "Anna Schmidt",
          addressLine1: "Packstation 105",
          addressLine2: "12345678",
          city: "Hamburg",
          postalCode: "20095",
          countryCode: "DE",
          phoneNumber: "+49 30 12345678",
        }),
      ],
    ],
    "all",
  ),
  buyer(
    "eu-oliver",
    {
      buyerId: "amzn1.account.AEMULATOROLIVER0BROWN0UK02",
      region: "eu",
      name: "Oliver Brown",
      email: "oliver.brown@example.co.uk",
      phoneNumber: "+44 20 7946 0958",
    },
    [
      [
        "home",
        "Home",
        address({
          name: "Oliver Brown",
          addressLine1: "221 Baker Street",
          city: "London",
          postalCode: "NW1 6XE",
          countryCode: "GB",
          phoneNumber: "+44 20 7946 0958",
        }),
      ],
      [
        "paris",
        "Paris",
        address({
          name: "Oliver Brown",
          addressLine1: "8 Rue de Rivoli",
          city: "Paris",
          postalCode: "75004",
          countryCode: "FR",
          phoneNumber: "+33 1 23 45 67 89",
        }),
      ],
    ],
    ["4444", "3434"],
  ),
  buyer(
    "na-jane",
    {
      buyerId: "amzn1.account.AEMULATORJANE0DOE0US000003",
      region: "na",
      name: "Jane Doe",
      email: "jane.doe@example.com",
      phoneNumber: "+1 206 555 0100",
    },
    [
      [
        "home",
        "Home",
        address({
          name: "Jane Doe",
          addressLine1: "410 Terry Ave N",
          city: "Seattle",
          stateOrRegion: "WA",
          postalCode: "98109",
          countryCode: "US",
          phoneNumber: "+1 206 555 0100",
        }),
      ],
      [
        "work",
        "Work",
        address({
          name: "Jane Doe",
          addressLine1: "1 Market St",
          addressLine2: "Suite 300",
          city: "San Francisco",
          stateOrRegion: "CA",
          postalCode: "94105",
          countryCode: "US",
          phoneNumber: "+1 415 555 0199",
        }),
      ],
      // For deliverySpecifications' RestrictPOBoxes (§11.2).
      [
        "pobox",
        "PO Box",
        address({
          name: "Jane Doe",
          addressLine1: "PO Box 2231",
          city: "Seattle",
          stateOrRegion: "WA",
          postalCode: "98111",
          countryCode: "US",
          phoneNumber: "+1 206 555 0100",
        }),
      ],
    ],
    "all",
  ),
  buyer(
    "na-carlos",
    {
      buyerId: "amzn1.account.AEMULATORCARLOS0RUIZ0US004",
      region: "na",
      name: "Carlos Ruiz",
      email: "carlos.ruiz@example.com",
      phoneNumber: "+1 512 555 0142",
    },
    [
      [
        "home",
        "Home",
        address({
          name: "Carlos Ruiz",
          addressLine1: "700 Congress Ave",
          city: "Austin",
          stateOrRegion: "TX",
          postalCode: "78701",
          countryCode: "US",
          phoneNumber: "+1 512 555 0142",
        }),
      ],
    ],
    ["0005", "0701"],
  ),
  buyer(
    "jp-taro",
    {
      buyerId: "amzn1.account.AEMULATORTARO0YAMADA0JP005",
      region: "jp",
      name: "山田 太郎",
      email: "taro.yamada@example.jp",
      phoneNumber: "03-1234-5678",
    },
    [
      [
        "home",
        "自宅",
        address({
          name: "山田 太郎",
          addressLine1: "千代田1-1",
          addressLine2: "サンプルマンション101",
          city: "千代田区",
          stateOrRegion: "東京都",
          postalCode: "100-0001",
          countryCode: "JP",
          phoneNumber: "03-1234-5678",
        }),
      ],
      [
        "osaka",
        "大阪オフィス",
        address({
          name: "山田 太郎",
          addressLine1: "梅田3-1-1",
          city: "大阪市北区",
          stateOrRegion: "大阪府",
          postalCode: "530-0001",
          countryCode: "JP",
          phoneNumber: "06-1234-5678",
        }),
      ],
    ],
    "all",
  ),
  buyer(
    "jp-hanako",
    {
      buyerId: "amzn1.account.AEMULATORHANAKO0SATO0JP006",
      region: "jp",
      name: "佐藤 花子",
      email: "hanako.sato@example.jp",
      phoneNumber: "090-1234-5678",
    },
    [
      [
        "home",
        "自宅",
        address({
          name: "佐藤 花子",
          addressLine1: "中央1-2-3",
          city: "札幌市中央区",
          stateOrRegion: "北海道",
          postalCode: "060-0001",
          countryCode: "JP",
          phoneNumber: "090-1234-5678",
        }),
      ],
    ],
    ["1111", "4354"],
  ),
];

/** The region's test buyers, default first. */
export function testBuyersOf(region: WalletRegion): TestBuyer[] {
  return TEST_BUYERS.filter((candidate) => candidate.region === region);
}

export function findTestBuyer(buyerId: string): TestBuyer | undefined {
  return TEST_BUYERS.find((candidate) => candidate.buyerId === buyerId);
}

/** The outcome of a card suffix, or `undefined` for a suffix the sandbox wallet does not know. */
export function cardOutcome(last4: string): CardOutcome | undefined {
  return CARD_OUTCOMES[last4];
}

const SELECTION_KEYS = ["card", "email", "buyerId", "address", "instrument"] as const;

/**
 * Parses an untrusted `"buyer"` JSON value into a selection; `undefined`/`null` means "the default".
 * Throws {@link UnknownBuyerSelectionError} for anything else than an object of known string keys.
 */
export function parseBuyerSelection(value: unknown): BuyerSelection {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new UnknownBuyerSelectionError('buyer must be an object such as {"card":"1111"}');
  }
  const selection: Record<string, string> = {};
  for (const [key, field] of Object.entries(value)) {
    if (!(SELECTION_KEYS as readonly string[]).includes(key)) {
      throw new UnknownBuyerSelectionError(
        `buyer.${key} is not a known field (${SELECTION_KEYS.join(", ")})`,
      );
    }
    if (typeof field !== "string" || field === "") {
      throw new UnknownBuyerSelectionError(`buyer.${key} must be a non-empty string`);
    }
    selection[key] = field;
  }
  return selection;
}

/**
 * Resolves a selection to one buyer, address and instrument of the region's test buyers.
 *
 * @example resolveBuyer("eu", { card: "4354" }) // Anna Schmidt, home address, Mastercard ****4354
 */
export function resolveBuyer(region: WalletRegion, selection: BuyerSelection = {}): BuyerChoice {
  let candidates = testBuyersOf(region);
  const describe = (part: string) => `${part} (region ${region})`;
  if (selection.buyerId !== undefined) {
    candidates = candidates.filter((candidate) => candidate.buyerId === selection.buyerId);
    if (candidates.length === 0)
      throw new UnknownBuyerSelectionError(describe(`no test buyer ${selection.buyerId}`));
  }
  if (selection.email !== undefined) {
    const email = selection.email.toLowerCase();
    candidates = candidates.filter((candidate) => candidate.email === email);
    if (candidates.length === 0)
      throw new UnknownBuyerSelectionError(describe(`no test buyer with email ${selection.email}`));
  }
  if (selection.card !== undefined) {
    if (!/^\d{4}$/.test(selection.card)) {
      throw new UnknownBuyerSelectionError(
        `buyer.card must be the last four digits of a sandbox card, e.g. "1111"`,
      );
    }
    const suffix = selection.card;
    candidates = candidates.filter((candidate) =>
      candidate.instruments.some((card) => card.last4 === suffix),
    );
    if (candidates.length === 0) {
      throw new UnknownBuyerSelectionError(
        describe(
          `no test buyer holds a card ending ${suffix}; known: ${Object.keys(CARD_OUTCOMES).join(", ")}`,
        ),
      );
    }
  }
  if (selection.instrument !== undefined) {
    candidates = candidates.filter((candidate) =>
      candidate.instruments.some((card) => card.instrumentId === selection.instrument),
    );
    if (candidates.length === 0)
      throw new UnknownBuyerSelectionError(describe(`no instrument ${selection.instrument}`));
  }
  if (selection.address !== undefined) {
    candidates = candidates.filter((candidate) =>
      candidate.addresses.some((entry) => entry.addressId === selection.address),
    );
    if (candidates.length === 0)
      throw new UnknownBuyerSelectionError(describe(`no address ${selection.address}`));
  }
  const chosen = candidates[0];
  if (chosen === undefined) throw new UnknownBuyerSelectionError(describe("no test buyer"));
  const instrument = chosen.instruments.find(
    (card) =>
      (selection.instrument === undefined || card.instrumentId === selection.instrument) &&
      (selection.card === undefined || card.last4 === selection.card),
  );
  if (instrument === undefined) {
    throw new UnknownBuyerSelectionError(
      describe(`instrument ${selection.instrument} does not end in ${selection.card}`),
    );
  }
  const addressEntry =
    selection.address === undefined
      ? chosen.addresses[0]
      : chosen.addresses.find((entry) => entry.addressId === selection.address);
  if (addressEntry === undefined)
    throw new UnknownBuyerSelectionError(describe(`no address ${selection.address}`));
  return { buyer: chosen, address: addressEntry, instrument };
}

/** Looks up a buyer's address and instrument by id, as the change pages post them. */
export function choiceOf(buyerId: string, addressId: string, instrumentId: string): BuyerChoice {
  const chosen = findTestBuyer(buyerId);
  if (chosen === undefined) throw new UnknownBuyerSelectionError(`no test buyer ${buyerId}`);
  const addressEntry = chosen.addresses.find((entry) => entry.addressId === addressId);
  if (addressEntry === undefined)
    throw new UnknownBuyerSelectionError(`${chosen.name} has no address ${addressId}`);
  const instrument = chosen.instruments.find((card) => card.instrumentId === instrumentId);
  if (instrument === undefined)
    throw new UnknownBuyerSelectionError(`${chosen.name} has no instrument ${instrumentId}`);
  return { buyer: chosen, address: addressEntry, instrument };
}

/**
 * Reads the wallet ids back from what a session shows: its buyer, shipping address and payment
 * descriptor. `null` before sign-in; `addressId` is `null` when the address is none of the
 * buyer's (PayOnly, or an APB address the merchant supplied).
 */
export function choiceIdsOf(
  buyerId: string | null | undefined,
  shippingAddress: Readonly<Record<string, unknown>> | null,
  paymentDescriptor: string | null | undefined,
): { buyerId: string; addressId: string | null; instrumentId: string } | null {
  const chosen = buyerId ? findTestBuyer(buyerId) : undefined;
  if (chosen === undefined) return null;
  const instrument = chosen.instruments.find((card) => card.paymentDescriptor === paymentDescriptor);
  if (instrument === undefined) return null;
  const same = (entry: WalletAddressEntry) =>
    shippingAddress !== null &&
    (Object.keys(entry.address) as (keyof WalletAddress)[]).every(
      (key) => entry.address[key] === shippingAddress[key],
    );
  const addressEntry = chosen.addresses.find(same);
  return {
    buyerId: chosen.buyerId,
    addressId: addressEntry?.addressId ?? null,
    instrumentId: instrument.instrumentId,
  };
}
