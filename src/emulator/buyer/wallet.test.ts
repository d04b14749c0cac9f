import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CARD_OUTCOMES,
  choiceOf,
  parseBuyerSelection,
  resolveBuyer,
  TEST_BUYERS,
  testBuyersOf,
  UnknownBuyerSelectionError,
  type WalletRegion,
} from "./wallet.js";

const REGIONS: WalletRegion[] = ["eu", "na", "jp"];

describe("sandbox wallet", () => {
  it("maps every card suffix of reference §9 to its outcome", () => {
    for (const suffix of ["1111", "0005", "4444", "9424", "0000"]) {
      assert.deepEqual(CARD_OUTCOMES[suffix], { kind: "Success" });
    }
    assert.deepEqual(CARD_OUTCOMES["3064"], { kind: "BuyerCanceled" });
    assert.deepEqual(CARD_OUTCOMES["3434"], { kind: "Declined" });
    assert.deepEqual(CARD_OUTCOMES["0701"], {
      kind: "Pending",
      afterSeconds: 30,
      finalState: "Authorized",
      finalReasonCode: null,
    });
    assert.deepEqual(CARD_OUTCOMES["4354"], {
      kind: "Pending",
      afterSeconds: 30,
      finalState: "Declined",
      finalReasonCode: "HardDeclined",
    });
  });

  it("gives every region a default buyer whose wallet holds every simulated card", () => {
    for (const region of REGIONS) {
      const [first] = testBuyersOf(region);
      assert.ok(first, region);
      assert.deepEqual(first.instruments.map((card) => card.last4).sort(), Object.keys(CARD_OUTCOMES).sort());
      const choice = resolveBuyer(region);
      assert.equal(choice.buyer, first);
      assert.equal(choice.instrument.last4, "1111");
      assert.equal(choice.address, first.addresses[0]);
    }
  });

  it("keeps ids unique and descriptors in Amazon's form", () => {
    const ids = TEST_BUYERS.flatMap((b) => [
      b.buyerId,
      ...b.addresses.map((a) => a.addressId),
      ...b.instruments.map((i) => i.instrumentId),
    ]);
    assert.equal(new Set(ids).size, ids.length);
    for (const b of TEST_BUYERS) {
      assert.match(b.buyerId, /^amzn1\.account\.[A-Z0-9]+$/);
      for (const card of b.instruments) {
        assert.match(card.paymentDescriptor, /^[A-Za-z]+ \*{4}\d{4} \(Amazon Pay\)$/);
        assert.equal(card.outcome, CARD_OUTCOMES[card.last4]);
      }
    }
  });

  it("keeps addresses valid for their market (reference §11.2)", () => {
    for (const b of TEST_BUYERS) {
      for (const { address } of b.addresses) {
        assert.ok(address.name && address.addressLine1 && address.postalCode && address.phoneNumber);
        if (b.region === "na")
          assert.ok(address.city && address.stateOrRegion && address.countryCode === "US");
        if (b.region === "jp") assert.ok(address.stateOrRegion && address.countryCode === "JP");
        if (b.region === "eu") {
          assert.ok(address.city);
          assert.notEqual(address.countryCode, "US");
        }
      }
    }
  });

  it("resolves a card selection to the instrument with that suffix", () => {
    const choice = resolveBuyer("eu", { card: "4354" });
    assert.equal(choice.instrument.last4, "4354");
    assert.equal(choice.instrument.outcome.kind, "Pending");
    assert.equal(choice.instrument.paymentDescriptor, "Mastercard ****4354 (Amazon Pay)");
  });

  it("resolves email, address and instrument selections", () => {
    const choice = resolveBuyer("eu", { email: "Oliver.Brown@example.co.uk", address: "eu-oliver-paris" });
    assert.equal(choice.buyer.name, "Oliver Brown");
    assert.equal(choice.address.address.city, "Paris");
    assert.equal(choice.instrument.last4, "4444");
    const byInstrument = resolveBuyer("na", { instrument: "na-carlos-card-0701" });
    assert.equal(byInstrument.buyer.name, "Carlos Ruiz");
    assert.equal(byInstrument.instrument.last4, "0701");
  });

  it("refuses unknown or contradictory selections with a message that names the problem", () => {
    assert.throws(() => resolveBuyer("eu", { card: "9999" }), /card ending 9999/);
    assert.throws(() => resolveBuyer("eu", { card: "12" }), /last four digits/);
    assert.throws(() => resolveBuyer("jp", { email: "anna.schmidt@example.de" }), UnknownBuyerSelectionError);
    assert.throws(() => resolveBuyer("eu", { address: "na-jane-home" }), /no address/);
    assert.throws(
      () => resolveBuyer("eu", { card: "0005", instrument: "eu-anna-card-1111" }),
      /does not end in/,
    );
    assert.throws(
      () => parseBuyerSelection({ cardNumber: "1111" }),
      /buyer\.cardNumber is not a known field/,
    );
    assert.throws(() => parseBuyerSelection({ card: 1111 }), /non-empty string/);
    assert.throws(() => parseBuyerSelection("1111"), UnknownBuyerSelectionError);
    assert.deepEqual(parseBuyerSelection(undefined), {});
    assert.deepEqual(parseBuyerSelection({ card: "3064" }), { card: "3064" });
  });

  it("looks up posted ids and refuses ids of another buyer", () => {
    const choice = choiceOf("amzn1.account.AEMULATORANNA0SCHMIDT0DE01", "eu-anna-work", "eu-anna-card-3434");
    assert.equal(choice.address.address.city, "München");
    assert.equal(choice.instrument.outcome.kind, "Declined");
    assert.throws(
      () => choiceOf("amzn1.account.AEMULATORANNA0SCHMIDT0DE01", "eu-oliver-home", "eu-anna-card-1111"),
      /no address/,
    );
  });
});
