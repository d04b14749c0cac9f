import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addressExclusion, type DeliveryAddress } from "./delivery-specifications.js";

const address = (fields: Partial<DeliveryAddress>): DeliveryAddress => ({
  addressLine1: "Friedrichstraße 123",
  addressLine2: null,
  addressLine3: null,
  stateOrRegion: null,
  postalCode: "10117",
  countryCode: "DE",
  ...fields,
});

describe("deliverySpecifications", () => {
  it("no specifications exclude nothing", () => {
    assert.equal(addressExclusion(null, address({})), null);
    assert.equal(addressExclusion({}, address({})), null);
  });

  it("Allowed: only the listed countries, or the listed states and zip codes of a country", () => {
    const onlyGb = { addressRestrictions: { type: "Allowed" as const, restrictions: { GB: {} } } };
    assert.match(addressExclusion(onlyGb, address({})) ?? "", /only to GB/);
    assert.equal(addressExclusion(onlyGb, address({ countryCode: "gb", postalCode: "NW1 6XE" })), null);
    const someUs = {
      addressRestrictions: {
        type: "Allowed" as const,
        restrictions: { US: { statesOrRegions: ["CA"], zipCodes: ["98109"] } },
      },
    };
    const us = (stateOrRegion: string, postalCode: string) =>
      addressExclusion(someUs, address({ countryCode: "US", stateOrRegion, postalCode }));
    assert.equal(us("ca", "94105"), null);
    assert.equal(us("WA", "98109"), null);
    assert.match(us("TX", "78701") ?? "", /some states or postal codes/);
  });

  it("NotAllowed: the listed countries, states and zip codes are blocked (case and spacing ignored)", () => {
    const blocked = {
      addressRestrictions: {
        type: "NotAllowed" as const,
        restrictions: { FR: {}, GB: { zipCodes: ["nw1  6xe"] } },
      },
    };
    assert.match(addressExclusion(blocked, address({ countryCode: "FR" })) ?? "", /not deliver to FR/);
    assert.match(
      addressExclusion(blocked, address({ countryCode: "GB", postalCode: "NW1 6XE" })) ?? "",
      /postal code in GB/,
    );
    assert.equal(addressExclusion(blocked, address({ countryCode: "GB", postalCode: "SW1A 1AA" })), null);
    assert.equal(addressExclusion(blocked, address({})), null);
  });

  it("RestrictPOBoxes in the countries Amazon names; RestrictPackstations in DE only", () => {
    const spec = { specialRestrictions: ["RestrictPOBoxes", "RestrictPackstations"] } as const;
    assert.match(
      addressExclusion(
        { specialRestrictions: [...spec.specialRestrictions] },
        address({ countryCode: "US", addressLine1: "P.O. Box 2231" }),
      ) ?? "",
      /PO boxes/,
    );
    assert.match(
      addressExclusion(
        { specialRestrictions: [...spec.specialRestrictions] },
        address({ addressLine1: "Postfach 1234" }),
      ) ?? "",
      /PO boxes/,
    );
    assert.equal(
      addressExclusion(
        { specialRestrictions: [...spec.specialRestrictions] },
        address({ countryCode: "JP", addressLine1: "PO Box 1" }),
      ),
      null,
    );
    assert.match(
      addressExclusion(
        { specialRestrictions: [...spec.specialRestrictions] },
        address({ addressLine1: "Packstation 105", addressLine2: "12345678" }),
      ) ?? "",
      /Packstations/,
    );
    assert.equal(
      addressExclusion(
        { specialRestrictions: [...spec.specialRestrictions] },
        address({ countryCode: "AT", addressLine1: "Packstation 105" }),
      ),
      null,
    );
    assert.equal(
      addressExclusion(
        { specialRestrictions: ["RestrictPOBoxes"] },
        address({ addressLine1: "Packstation 1" }),
      ),
      null,
    );
    assert.equal(
      addressExclusion(
        { specialRestrictions: [...spec.specialRestrictions] },
        address({ addressLine1: "Boxhagener Straße 12" }),
      ),
      null,
    );
  });
});
