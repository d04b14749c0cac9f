/*
 * Drives `kasse emulator` with the official Amazon Pay Java SDK (amzn/amazon-pay-api-sdk-java),
 * through every operation of its WebstoreClient that the emulator emulates. Run by ../java.sh,
 * which starts the emulator and puts the SDK's jar and its dependencies on the class path; see
 * docs/emulator.md "Official PHP and Java SDKs".
 *
 *   java SdkCheck https://127.0.0.1:PORT [eu|na|jp]
 *
 * The emulator's certificate must be trusted (java.sh passes -Djavax.net.ssl.trustStore).
 * Prints one line per step ("ok ..." or "FAIL ...") and ends with "N passed, N failed";
 * exits 1 when a step failed.
 */

import com.amazon.pay.api.AmazonPayResponse;
import com.amazon.pay.api.PayConfiguration;
import com.amazon.pay.api.ServiceConstants;
import com.amazon.pay.api.WebstoreClient;
import com.amazon.pay.api.types.Environment;
import com.amazon.pay.api.types.Region;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.json.JSONArray;
import org.json.JSONObject;

public final class SdkCheck {
    private static String emulatorUrl;
    private static int passed = 0;
    private static int failed = 0;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final DateTimeFormatter AMAZON_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /**
     * Since 2.0 PayConfiguration has no setter for the service URL (CHANGES.md: "Removed parameter
     * named overrideServiceURL"), but keeps the protected field that Util.getServiceURI reads:
     * a subclass is the only way to point the SDK at anything but Amazon's hosts.
     */
    static final class EmulatorConfiguration extends PayConfiguration {
        EmulatorConfiguration(String hostAndPort) {
            this.overrideServiceURL = hostAndPort;
        }
    }

    interface Call {
        AmazonPayResponse run() throws Exception;
    }

    interface Check {
        void check(JSONObject body) throws Exception;
    }

    static JSONObject admin(String method, String path, JSONObject body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(emulatorUrl + path))
                .header("content-type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException("admin " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return new JSONObject(response.body());
    }

    static JSONObject step(String label, int expect, Call call, Check check) {
        try {
            AmazonPayResponse response = call.run();
            if (response.getStatus() != expect) {
                throw new IllegalStateException("status " + response.getStatus() + " (wanted " + expect + "): " + response.getRawResponse());
            }
            JSONObject body = response.getResponse() == null ? new JSONObject() : response.getResponse();
            if (check != null) check.check(body);
            passed++;
            System.out.println("ok   " + label);
            return body;
        } catch (Throwable error) {
            failed++;
            System.out.println("FAIL " + label + ": " + error);
            return null;
        }
    }

    static void want(boolean condition, String what) {
        if (!condition) throw new IllegalStateException("expected " + what);
    }

    /** The region under test (second argument: eu, the default, na or jp) and its currency. */
    private static String region = "eu";
    private static String currency = "EUR";

    /** An amount in the region's currency; JPY has no decimals, so 50.00 becomes 5000. */
    static JSONObject money(String amount) throws Exception {
        String value = currency.equals("JPY") ? String.valueOf(Integer.parseInt(amount.replace(".", ""))) : amount;
        return new JSONObject().put("amount", value).put("currencyCode", currency);
    }

    static String amount(String amount) throws Exception {
        return money(amount).getString("amount");
    }

    static Map<String, String> idempotent() {
        Map<String, String> headers = new HashMap<>();
        headers.put("x-amz-pay-idempotency-key", UUID.randomUUID().toString().replace("-", ""));
        return headers;
    }

    static String state(JSONObject body) throws Exception {
        return body.getJSONObject("statusDetails").getString("state");
    }

    static JSONObject json(String text) throws Exception {
        return new JSONObject(text);
    }

    static void run(String name, JSONObject merchant, String algorithm) throws Exception {
        URI url = URI.create(emulatorUrl);
        PayConfiguration configuration = new EmulatorConfiguration(url.getHost() + ":" + url.getPort())
                .setPublicKeyId(merchant.getString("publicKeyId"))
                .setRegion(Region.valueOf(region.toUpperCase()))
                .setEnvironment(Environment.SANDBOX)
                .setPrivateKey(merchant.getString("privateKeyPem").toCharArray())
                .setAlgorithm(algorithm);
        WebstoreClient client = new WebstoreClient(configuration);
        String storeId = merchant.getString("storeId");
        String p = "[" + name + "] ";

        // ── Checkout: create, get, the buyer signs in, update, the buyer confirms, complete ──
        JSONObject session = step(p + "createCheckoutSession", 201, () -> client.createCheckoutSession(json(
                "{\"webCheckoutDetails\":{\"checkoutReviewReturnUrl\":\"https://shop.example/review?step=1&x=y\"},"
                        + "\"storeId\":\"" + storeId + "\",\"chargePermissionType\":\"OneTime\","
                        + "\"merchantMetadata\":{\"merchantReferenceId\":\"Order-1 ÄÖÜ €\",\"merchantStoreName\":\"Kasse SDK check\","
                        + "\"noteToBuyer\":\"Thank you / Danke\",\"customInformation\":\"a \\\"quoted\\\" \\\\ value\"},"
                        + "\"scopes\":[\"name\",\"email\",\"phoneNumber\",\"billingAddress\"]}"), idempotent()), body -> {
            want(state(body).equals("Open"), "state Open");
            want(body.getJSONObject("merchantMetadata").getString("merchantReferenceId").equals("Order-1 ÄÖÜ €"), "the reference id unchanged");
        });
        if (session == null) return;
        String id = session.getString("checkoutSessionId");
        step(p + "getCheckoutSession", 200, () -> client.getCheckoutSession(id),
                body -> want(body.getString("checkoutSessionId").equals(id), "the same session"));
        admin("POST", "/__admin/checkout-sessions/" + id + "/approve", new JSONObject());
        step(p + "getCheckoutSession after the buyer signed in", 200, () -> client.getCheckoutSession(id), body -> {
            want(body.getJSONObject("buyer").has("buyerId"), "a buyer");
            want(body.getJSONObject("shippingAddress").has("name"), "a shipping address");
        });
        step(p + "updateCheckoutSession", 200, () -> client.updateCheckoutSession(id, new JSONObject()
                .put("webCheckoutDetails", new JSONObject().put("checkoutResultReturnUrl", "https://shop.example/result"))
                .put("paymentDetails", new JSONObject().put("paymentIntent", "Authorize")
                        .put("canHandlePendingAuthorization", false).put("chargeAmount", money("50.00"))
                        .put("totalOrderAmount", money("50.00")).put("softDescriptor", "Kasse check"))
                .put("merchantMetadata", new JSONObject().put("merchantReferenceId", "Order-1b"))),
                body -> want(body.getJSONObject("webCheckoutDetails").getString("amazonPayRedirectUrl").startsWith("https://"), "amazonPayRedirectUrl"));
        admin("POST", "/__admin/checkout-sessions/" + id + "/authenticate", new JSONObject());
        JSONObject completed = step(p + "completeCheckoutSession", 200, () -> client.completeCheckoutSession(id,
                new JSONObject().put("chargeAmount", money("50.00")).put("totalOrderAmount", money("50.00"))),
                body -> want(state(body).equals("Completed"), "state Completed"));
        if (completed == null) return;
        String permissionId = completed.getString("chargePermissionId");
        String chargeId = completed.getString("chargeId");

        // ── Charge Permission and Charge ──
        step(p + "getChargePermission", 200, () -> client.getChargePermission(permissionId),
                body -> want(state(body).equals("Chargeable"), "Chargeable"));
        step(p + "updateChargePermission", 200, () -> client.updateChargePermission(permissionId,
                new JSONObject().put("merchantMetadata", new JSONObject().put("merchantReferenceId", "Order-1c"))),
                body -> want(body.getJSONObject("merchantMetadata").getString("merchantReferenceId").equals("Order-1c"), "the new reference"));
        step(p + "getCharge", 200, () -> client.getCharge(chargeId), body -> want(state(body).equals("Authorized"), "Authorized"));
        Map<String, String> captureKey = idempotent();
        JSONObject capture = new JSONObject().put("captureAmount", money("50.00")).put("softDescriptor", "Kasse capture");
        step(p + "captureCharge", 200, () -> client.captureCharge(chargeId, capture, captureKey),
                body -> want(state(body).equals("Captured"), "Captured"));
        step(p + "captureCharge replayed with its idempotency key", 200, () -> client.captureCharge(chargeId, capture, captureKey),
                body -> want(state(body).equals("Captured"), "the same answer"));

        // ── Refund, whose first answer is lost (503 after the commit): the SDK retries with the
        // same signed headers and the idempotency key it added itself, and gets the original answer. ──
        admin("POST", "/__admin/faults", json("{\"reset\":true,\"failures\":[{\"operation\":\"createRefund\",\"status\":503,\"phase\":\"afterCommit\"}]}"));
        AmazonPayResponse[] refundResponse = new AmazonPayResponse[1];
        JSONObject refund = step(p + "createRefund (first answer lost, SDK retry replays it)", 201, () -> refundResponse[0] = client.createRefund(new JSONObject()
                .put("chargeId", chargeId).put("refundAmount", money("20.00")).put("softDescriptor", "Kasse refund")), body -> {
            want(refundResponse[0].getRetries() == 1, "one retry");
            want(state(body).equals("RefundInitiated"), "RefundInitiated");
        });
        if (refund != null) {
            admin("POST", "/__admin/clock", new JSONObject().put("advanceSeconds", 31));
            step(p + "getRefund", 200, () -> client.getRefund(refund.getString("refundId")),
                    body -> want(state(body).equals("Refunded"), "Refunded after 30 s"));
            step(p + "getCharge after the refund", 200, () -> client.getCharge(chargeId),
                    body -> want(body.getJSONObject("refundedAmount").getString("amount").equals(amount("20.00")), "refundedAmount 20.00 (the retry made no second refund)"));
        }

        // ── A second checkout: Confirm only, then Create Charge, cancel, charge again, close ──
        JSONObject second = step(p + "createCheckoutSession (Confirm)", 201, () -> client.createCheckoutSession(new JSONObject()
                .put("webCheckoutDetails", new JSONObject().put("checkoutReviewReturnUrl", "https://shop.example/review")
                        .put("checkoutResultReturnUrl", "https://shop.example/result"))
                .put("storeId", storeId)
                .put("paymentDetails", new JSONObject().put("paymentIntent", "Confirm").put("chargeAmount", money("30.00")))), null);
        if (second == null) return;
        String id2 = second.getString("checkoutSessionId");
        admin("POST", "/__admin/checkout-sessions/" + id2 + "/approve", new JSONObject());
        admin("POST", "/__admin/checkout-sessions/" + id2 + "/authenticate", new JSONObject());
        JSONObject completed2 = step(p + "completeCheckoutSession (Confirm)", 200,
                () -> client.completeCheckoutSession(id2, new JSONObject().put("chargeAmount", money("30.00")), idempotent()), null);
        if (completed2 == null) return;
        String permission2 = completed2.getString("chargePermissionId");
        JSONObject charge2 = step(p + "createCharge", 201, () -> client.createCharge(new JSONObject()
                .put("chargePermissionId", permission2).put("chargeAmount", money("10.00"))
                .put("captureNow", false).put("canHandlePendingAuthorization", false)),
                body -> want(state(body).equals("Authorized"), "Authorized"));
        if (charge2 != null) {
            step(p + "cancelCharge", 200, () -> client.cancelCharge(charge2.getString("chargeId"),
                    new JSONObject().put("cancellationReason", "Kasse check")), body -> want(state(body).equals("Canceled"), "Canceled"));
        }
        Map<String, String> simulation = idempotent();
        simulation.put("x-amz-pay-simulation-code", "HardDeclined");
        step(p + "createCharge with the simulation code HardDeclined", 422, () -> client.createCharge(new JSONObject()
                .put("chargePermissionId", permission2).put("chargeAmount", money("5.00")).put("captureNow", true), simulation),
                body -> want(body.getString("reasonCode").equals("HardDeclined"), "reasonCode HardDeclined"));
        step(p + "closeChargePermission", 200, () -> client.closeChargePermission(permission2,
                new JSONObject().put("closureReason", "Kasse check").put("cancelPendingCharges", true)),
                body -> want(state(body).equals("Closed"), "Closed"));
        step(p + "getCharge of an unknown id (error shape)", 404, () -> client.getCharge(permission2 + "-C999-999"),
                body -> want(body.getString("reasonCode").equals("ResourceNotFound") && body.has("message"), "ResourceNotFound with a message"));

        // ── Buttons: the SDK's button signature, verified where checkout.js sends it ──
        String payload = new JSONObject()
                .put("webCheckoutDetails", new JSONObject().put("checkoutReviewReturnUrl", "https://shop.example/review"))
                .put("storeId", storeId).put("scopes", new JSONArray(Arrays.asList("name", "email"))).toString();
        try {
            JSONObject button = admin("POST", "/__admin/button-checkout", new JSONObject().put("payloadJSON", payload)
                    .put("signature", client.generateButtonSignature(payload))
                    .put("publicKeyId", merchant.getString("publicKeyId")).put("algorithm", algorithm));
            step(p + "generateButtonSignature (checkout) + getCheckoutSession", 200,
                    () -> client.getCheckoutSession(button.getString("checkoutSessionId")), null);
        } catch (Exception error) {
            failed++;
            System.out.println("FAIL " + p + "generateButtonSignature (checkout): " + error);
        }
        String signInPayload = new JSONObject().put("signInReturnUrl", "https://shop.example/signin").put("storeId", storeId)
                .put("signInScopes", new JSONArray(Arrays.asList("name", "email", "postalCode"))).toString();
        try {
            JSONObject signIn = admin("POST", "/__admin/button-signin", new JSONObject().put("payloadJSON", signInPayload)
                    .put("signature", client.generateButtonSignature(signInPayload))
                    .put("publicKeyId", merchant.getString("publicKeyId")).put("algorithm", algorithm));
            step(p + "generateButtonSignature (SignIn) + getBuyer", 200, () -> client.getBuyer(signIn.getString("buyerToken")),
                    body -> want(body.has("buyerId") && body.has("name") && body.has("email") && body.has("postalCode"), "buyerId, name, email, postalCode"));
        } catch (Exception error) {
            failed++;
            System.out.println("FAIL " + p + "generateButtonSignature (SignIn): " + error);
        }

        // ── Reports (the SDK's README payloads; getReports and getReportSchedules send /reports/?…) ──
        Instant realNow = Instant.now();
        step(p + "createReport (no idempotency key)", 201, () -> client.createReport(new JSONObject()
                .put("reportType", "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_AUTHORIZATION_DATA_")
                .put("startTime", AMAZON_TIME.format(realNow.minusSeconds(7 * 86400)))
                .put("endTime", AMAZON_TIME.format(realNow.minusSeconds(86400))), null), null);
        // The captures and refunds above settle in a period that has to end first: two emulated days.
        Instant now = Instant.parse(admin("POST", "/__admin/clock", new JSONObject().put("advanceSeconds", 2 * 86400)).getString("now"));
        JSONObject report = step(p + "createReport (sandbox settlement)", 201, () -> client.createReport(new JSONObject()
                .put("reportType", "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_SANDBOX_SETTLEMENT_DATA_")
                .put("startTime", AMAZON_TIME.format(now.minusSeconds(7 * 86400)))
                .put("endTime", AMAZON_TIME.format(now)), idempotent()), body -> want(body.has("reportId"), "reportId"));
        Map<String, List<String>> query = new HashMap<>();
        query.put("reportTypes", Arrays.asList("_GET_FLAT_FILE_OFFAMAZONPAYMENTS_ORDER_REFERENCE_DATA_"));
        query.put("processingStatuses", Arrays.asList("COMPLETED"));
        query.put("pageSize", Arrays.asList("10"));
        step(p + "getReports (README query)", 200, () -> client.getReports(query), body -> want(body.has("reports"), "a reports list"));
        Map<String, List<String>> lists = new HashMap<>();
        lists.put("reportTypes", Arrays.asList("_GET_FLAT_FILE_OFFAMAZONPAYMENTS_AUTHORIZATION_DATA_,_GET_FLAT_FILE_OFFAMAZONPAYMENTS_SANDBOX_SETTLEMENT_DATA_"));
        lists.put("processingStatuses", Arrays.asList("COMPLETED,CANCELLED"));
        step(p + "getReports (comma lists, raw on the wire, %2C signed)", 200, () -> client.getReports(lists),
                body -> {
                    java.util.Set<String> types = new java.util.HashSet<>();
                    JSONArray reports = body.getJSONArray("reports");
                    for (int i = 0; i < reports.length(); i++) types.add(reports.getJSONObject(i).getString("reportType"));
                    want(types.size() == 2, "reports of both types (the two just created)");
                });
        step(p + "getReports (no query)", 200, () -> client.getReports(),
                body -> want(body.getJSONArray("reports").length() >= 2, "the reports just created"));
        if (report != null) {
            JSONObject byId = step(p + "getReportById", 200, () -> client.getReportById(report.getString("reportId")),
                    body -> want(body.getString("reportId").equals(report.getString("reportId")), "the same report"));
            if (byId != null && !byId.optString("reportDocumentId", "").isEmpty() && !byId.isNull("reportDocumentId")) {
                step(p + "getReportDocument", 200, () -> client.getReportDocument(byId.getString("reportDocumentId")), body -> {
                    HttpResponse<String> csv = HTTP.send(HttpRequest.newBuilder(URI.create(body.getString("url"))).build(),
                            HttpResponse.BodyHandlers.ofString());
                    want(csv.statusCode() == 200 && csv.body().contains(chargeId), "a settlement file that lists the captured charge");
                });
            } else if (byId != null) {
                System.out.println("note " + p + "getReportById: " + byId.optString("processingStatus") + " without reportDocumentId");
            }
        }
        JSONObject schedule = step(p + "createReportSchedule (README payload)", 201, () -> client.createReportSchedule(new JSONObject()
                .put("reportType", "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_ORDER_REFERENCE_DATA_")
                .put("scheduleFrequency", "P1D").put("nextReportCreationTime", "20221114T074550Z")
                .put("deleteExistingSchedule", false), idempotent()), body -> want(body.has("reportScheduleId"), "reportScheduleId"));
        step(p + "getReportSchedules", 200, () -> client.getReportSchedules("_GET_FLAT_FILE_OFFAMAZONPAYMENTS_ORDER_REFERENCE_DATA_"),
                body -> want(body.getJSONArray("reportSchedules").length() >= 1, "the schedule just created"));
        step(p + "getReportSchedules without a type", 200, () -> client.getReportSchedules(), null);
        if (schedule != null) {
            step(p + "getReportScheduleById", 200, () -> client.getReportScheduleById(schedule.getString("reportScheduleId")), null);
            step(p + "cancelReportSchedule", 200, () -> client.cancelReportSchedule(schedule.getString("reportScheduleId")), null);
        }

        // ── Recurring: create with recurringMetadata, complete, charge, update the metadata ──
        JSONObject recurringMetadata = new JSONObject()
                .put("frequency", new JSONObject().put("unit", "Month").put("value", "1")).put("amount", money("9.99"));
        JSONObject recurring = step(p + "createCheckoutSession (Recurring)", 201, () -> client.createCheckoutSession(new JSONObject()
                .put("webCheckoutDetails", new JSONObject().put("checkoutReviewReturnUrl", "https://shop.example/review")
                        .put("checkoutResultReturnUrl", "https://shop.example/result"))
                .put("storeId", storeId).put("chargePermissionType", "Recurring").put("recurringMetadata", recurringMetadata)
                .put("paymentDetails", new JSONObject().put("paymentIntent", "AuthorizeWithCapture").put("chargeAmount", money("9.99")))), null);
        if (recurring != null) {
            String id3 = recurring.getString("checkoutSessionId");
            admin("POST", "/__admin/checkout-sessions/" + id3 + "/approve", new JSONObject());
            admin("POST", "/__admin/checkout-sessions/" + id3 + "/authenticate", new JSONObject());
            JSONObject completed3 = step(p + "completeCheckoutSession (Recurring)", 200,
                    () -> client.completeCheckoutSession(id3, new JSONObject().put("chargeAmount", money("9.99"))), null);
            if (completed3 != null) {
                String permission3 = completed3.getString("chargePermissionId");
                step(p + "createCharge (Recurring, captureNow)", 201, () -> client.createCharge(new JSONObject()
                        .put("chargePermissionId", permission3).put("chargeAmount", money("9.99"))
                        .put("captureNow", true).put("softDescriptor", "Kasse monthly")),
                        body -> want(state(body).equals("Captured"), "Captured"));
                step(p + "updateChargePermission (recurringMetadata)", 200, () -> client.updateChargePermission(permission3,
                        new JSONObject().put("recurringMetadata", new JSONObject()
                                .put("frequency", new JSONObject().put("unit", "Month").put("value", "1")).put("amount", money("12.99")))),
                        body -> want(body.getJSONObject("recurringMetadata").getJSONObject("amount").getString("amount").equals(amount("12.99")), "the new amount"));
            }
        }

        // ── Finalize (what a single-page checkout does instead of complete) ──
        JSONObject spc = step(p + "createCheckoutSession (for finalize)", 201, () -> client.createCheckoutSession(new JSONObject()
                .put("webCheckoutDetails", new JSONObject().put("checkoutReviewReturnUrl", "https://shop.example/review")
                        .put("checkoutResultReturnUrl", "https://shop.example/result"))
                .put("storeId", storeId)
                .put("paymentDetails", new JSONObject().put("paymentIntent", "Authorize").put("chargeAmount", money("15.00")))), null);
        if (spc != null) {
            String id4 = spc.getString("checkoutSessionId");
            admin("POST", "/__admin/checkout-sessions/" + id4 + "/approve", new JSONObject());
            step(p + "finalizeCheckoutSession", 200, () -> client.finalizeCheckoutSession(id4, new JSONObject()
                    .put("chargeAmount", money("15.00")).put("paymentIntent", "Authorize").put("canHandlePendingAuthorization", false)),
                    body -> want(state(body).equals("Completed"), "Completed"));
        }

        // ── An operation of the SDK the emulator does not emulate: what it answers ──
        Map<String, List<String>> disbursements = new HashMap<>();
        disbursements.put("startTime", Arrays.asList("20240301T224539Z"));
        disbursements.put("endTime", Arrays.asList("20240330T230345Z"));
        AmazonPayResponse notEmulated = client.getDisbursements(disbursements, null);
        System.out.println("note " + p + "getDisbursements (not emulated): " + notEmulated.getStatus() + " " + notEmulated.getRawResponse());
    }

    public static void main(String[] args) throws Exception {
        emulatorUrl = args.length > 0 ? args[0].replaceAll("/+$", "") : "https://127.0.0.1:8444";
        region = args.length > 1 ? args[1] : "eu";
        currency = region.equals("na") ? "USD" : region.equals("jp") ? "JPY" : "EUR";
        JSONObject legacy = admin("POST", "/__admin/merchants", new JSONObject().put("region", region).put("name", "Java SDK check (legacy key id)"));
        JSONObject prefixed = admin("POST", "/__admin/merchants", new JSONObject().put("region", region)
                .put("name", "Java SDK check (SANDBOX- key id)").put("environment", "sandbox"));
        run("legacy key, V1", legacy, "AMZN-PAY-RSASSA-PSS");
        run("legacy key, V2", legacy, "AMZN-PAY-RSASSA-PSS-V2");
        run("SANDBOX- key, V1", prefixed, "AMZN-PAY-RSASSA-PSS");
        run("SANDBOX- key, V2", prefixed, "AMZN-PAY-RSASSA-PSS-V2");

        // A request signed with another merchant's private key: Amazon's refusal, as the SDK returns it.
        URI url = URI.create(emulatorUrl);
        WebstoreClient wrongKey = new WebstoreClient(new EmulatorConfiguration(url.getHost() + ":" + url.getPort())
                .setPublicKeyId(legacy.getString("publicKeyId")).setRegion(Region.valueOf(region.toUpperCase())).setEnvironment(Environment.SANDBOX)
                .setPrivateKey(prefixed.getString("privateKeyPem").toCharArray()));
        step("[wrong private key] getCheckoutSession", 403, () -> wrongKey.getCheckoutSession("00000000-0000-4000-8000-000000000000"),
                body -> want(body.getString("reasonCode").equals("InvalidRequestSignature"), "InvalidRequestSignature"));

        System.out.println("amazon-pay-api-sdk-java " + ServiceConstants.APPLICATION_LIBRARY_VERSION + " against " + emulatorUrl + ", region " + region + " (" + currency + ")");
        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
