<?php
/*
 * Drives `kasse emulator` with the official Amazon Pay PHP SDK (amzn/amazon-pay-api-sdk-php),
 * through every operation of its Client that the emulator emulates. Run by ../php.sh, which
 * starts the emulator; see docs/emulator.md "Official PHP and Java SDKs".
 *
 * Environment: SDK_DIR (an SDK checkout: the directory holding Amazon/Pay/API/Client.php),
 * EMULATOR_URL (https://127.0.0.1:443: the SDK always connects to port 443), PHPSECLIB_AUTOLOAD
 * (default: Debian's /usr/share/php/phpseclib3/autoload.php). The emulator's certificate must
 * be trusted through php's curl.cainfo (php.sh passes -d curl.cainfo=...).
 *
 * Prints one line per step ("ok ..." or "FAIL ...") and ends with "N passed, N failed";
 * exits 1 when a step failed.
 */

$sdkDir = getenv('SDK_DIR') ?: die("SDK_DIR is not set\n");
$emulatorUrl = rtrim(getenv('EMULATOR_URL') ?: 'https://127.0.0.1:443', '/');
require_once getenv('PHPSECLIB_AUTOLOAD') ?: '/usr/share/php/phpseclib3/autoload.php';
require_once $sdkDir . '/Amazon/Pay/API/Client.php';

$passed = 0;
$failed = 0;

function admin($method, $path, $body = null)
{
    global $emulatorUrl;
    $ch = curl_init($emulatorUrl . $path);
    curl_setopt($ch, CURLOPT_CUSTOMREQUEST, $method);
    curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
    curl_setopt($ch, CURLOPT_HTTPHEADER, array('content-type: application/json'));
    if ($body !== null) curl_setopt($ch, CURLOPT_POSTFIELDS, json_encode($body));
    $text = curl_exec($ch);
    if ($text === false) throw new Exception("admin $path: " . curl_error($ch));
    $status = curl_getinfo($ch, CURLINFO_HTTP_CODE);
    if ($status >= 300) throw new Exception("admin $path answered $status: $text");
    return json_decode($text, true);
}

/** Runs one SDK call; $expect is the status wanted, $check may throw on a wrong body. */
function step($label, $expect, $call, $check = null)
{
    global $passed, $failed;
    try {
        $response = $call();
        $body = json_decode($response['response'], true);
        if ($response['status'] !== $expect) {
            throw new Exception("status {$response['status']} (wanted $expect): {$response['response']}");
        }
        // Amazon names every answer with x-amz-pay-request-id; HttpCurl hands it on as request_id.
        want(!empty($response['request_id']), 'an x-amz-pay-request-id header');
        if ($check !== null) $check($body, $response);
        $passed++;
        echo "ok   $label\n";
        return $body;
    } catch (Throwable $error) {
        $failed++;
        echo "FAIL $label: " . $error->getMessage() . "\n";
        return null;
    }
}

function want($condition, $what)
{
    if (!$condition) throw new Exception("expected $what");
}

function key32()
{
    return bin2hex(random_bytes(16));
}

/** The region under test: REGION=eu (default), na or jp; the SDK is configured as its README does. */
$region = getenv('REGION') ?: 'eu';
$regions = array('eu' => array('de', 'EUR'), 'na' => array('us', 'USD'), 'jp' => array('jp', 'JPY'));
isset($regions[$region]) || die("REGION must be eu, na or jp\n");
list($sdkRegion, $currency) = $regions[$region];

/** An amount in the region's currency; JPY has no decimals, so 50.00 becomes 5000. */
function money($amount)
{
    global $currency;
    if ($currency === 'JPY') $amount = (string) intval(str_replace('.', '', $amount));
    return array('amount' => $amount, 'currencyCode' => $currency);
}

/** One whole run with one key style and one signature algorithm. */
function run($name, $merchant, $algorithm)
{
    $client = new Amazon\Pay\API\Client(array(
        'public_key_id' => $merchant['publicKeyId'],
        'private_key' => $merchant['privateKeyPem'],
        'region' => $GLOBALS['sdkRegion'],
        'sandbox' => true,
        'algorithm' => $algorithm,
        'override_service_url' => parse_url($GLOBALS['emulatorUrl'], PHP_URL_HOST),
        'integrator_id' => 'AKASSESDKCHECK',
        'integrator_version' => '1.0.0',
        'platform_version' => '0.1.0',
    ));
    $storeId = $merchant['storeId'];
    $p = "[$name] ";

    // ── Checkout: create, get, the buyer signs in, update, the buyer confirms, complete ──
    $session = step($p . 'createCheckoutSession', 201, function () use ($client, $storeId) {
        return $client->createCheckoutSession(array(
            'webCheckoutDetails' => array('checkoutReviewReturnUrl' => 'https://shop.example/review?step=1&x=y'),
            'storeId' => $storeId,
            'chargePermissionType' => 'OneTime',
            'merchantMetadata' => array(
                'merchantReferenceId' => 'Order-1 ÄÖÜ €',
                'merchantStoreName' => 'Kasse SDK check',
                'noteToBuyer' => 'Thank you / Danke',
                'customInformation' => 'a "quoted" \\ value',
            ),
            'scopes' => array('name', 'email', 'phoneNumber', 'billingAddress'),
        ), array('x-amz-pay-idempotency-key' => key32()));
    }, function ($body) {
        want(isset($body['checkoutSessionId']), 'checkoutSessionId');
        want($body['statusDetails']['state'] === 'Open', 'state Open');
        want($body['merchantMetadata']['merchantReferenceId'] === 'Order-1 ÄÖÜ €', 'the reference id unchanged');
    });
    if ($session === null) return;
    $id = $session['checkoutSessionId'];

    step($p . 'getCheckoutSession', 200, function () use ($client, $id) {
        return $client->getCheckoutSession($id);
    }, function ($body) use ($id) {
        want($body['checkoutSessionId'] === $id, 'the same session');
    });

    admin('POST', "/__admin/checkout-sessions/$id/approve", new stdClass());

    step($p . 'getCheckoutSession after the buyer signed in', 200, function () use ($client, $id) {
        return $client->getCheckoutSession($id);
    }, function ($body) {
        want(isset($body['buyer']['buyerId']), 'a buyer');
        want(isset($body['shippingAddress']['name']), 'a shipping address');
        want(isset($body['paymentPreferences'][0]['paymentDescriptor']), 'a payment descriptor');
    });

    step($p . 'updateCheckoutSession', 200, function () use ($client, $id) {
        return $client->updateCheckoutSession($id, array(
            'webCheckoutDetails' => array('checkoutResultReturnUrl' => 'https://shop.example/result'),
            'paymentDetails' => array(
                'paymentIntent' => 'Authorize',
                'canHandlePendingAuthorization' => false,
                'chargeAmount' => money('50.00'),
                'totalOrderAmount' => money('50.00'),
                'softDescriptor' => 'Kasse check',
            ),
            'merchantMetadata' => array('merchantReferenceId' => 'Order-1b'),
        ));
    }, function ($body) {
        want(strpos($body['webCheckoutDetails']['amazonPayRedirectUrl'] ?? '', 'https://') === 0, 'amazonPayRedirectUrl');
    });

    admin('POST', "/__admin/checkout-sessions/$id/authenticate", new stdClass());

    $completed = step($p . 'completeCheckoutSession', 200, function () use ($client, $id) {
        return $client->completeCheckoutSession($id, array('chargeAmount' => money('50.00'), 'totalOrderAmount' => money('50.00')));
    }, function ($body) {
        want($body['statusDetails']['state'] === 'Completed', 'state Completed');
        want(isset($body['chargePermissionId'], $body['chargeId']), 'chargePermissionId and chargeId');
    });
    if ($completed === null) return;
    $permissionId = $completed['chargePermissionId'];
    $chargeId = $completed['chargeId'];
    $GLOBALS['lastChargeId'] = $chargeId;

    // ── Charge Permission and Charge ──
    step($p . 'getChargePermission', 200, function () use ($client, $permissionId) {
        return $client->getChargePermission($permissionId);
    }, function ($body) {
        want($body['statusDetails']['state'] === 'Chargeable', 'Chargeable');
    });
    step($p . 'updateChargePermission (README payload, customInformation \'\')', 200, function () use ($client, $permissionId) {
        return $client->updateChargePermission($permissionId, array('merchantMetadata' => array(
            'merchantReferenceId' => '32-41-323141-32',
            'merchantStoreName' => 'AmazonTestStoreFront',
            'noteToBuyer' => 'Some Note to buyer',
            'customInformation' => '',
        )));
    }, function ($body) {
        want($body['merchantMetadata']['merchantReferenceId'] === '32-41-323141-32', 'the new reference');
    });
    step($p . 'updateChargePermission', 200, function () use ($client, $permissionId) {
        return $client->updateChargePermission($permissionId, array('merchantMetadata' => array('merchantReferenceId' => 'Order-1c')));
    }, function ($body) {
        want($body['merchantMetadata']['merchantReferenceId'] === 'Order-1c', 'the new reference');
    });
    step($p . 'getCharge', 200, function () use ($client, $chargeId) {
        return $client->getCharge($chargeId);
    }, function ($body) {
        want($body['statusDetails']['state'] === 'Authorized', 'Authorized');
    });
    $captureKey = key32();
    $capture = function () use ($client, $chargeId, $captureKey) {
        return $client->captureCharge($chargeId, array(
            'captureAmount' => money('50.00'),
            'softDescriptor' => 'Kasse capture',
        ), array('x-amz-pay-idempotency-key' => $captureKey));
    };
    step($p . 'captureCharge', 200, $capture, function ($body) {
        want($body['statusDetails']['state'] === 'Captured', 'Captured');
    });
    step($p . 'captureCharge replayed with its idempotency key', 200, $capture, function ($body) {
        want($body['statusDetails']['state'] === 'Captured', 'the same answer');
    });

    // ── Refund, whose first answer is lost (503 after the commit): the SDK retries with the
    // same signed headers and idempotency key and gets the original answer; one refund only. ──
    admin('POST', '/__admin/faults', array('reset' => true, 'failures' => array(
        array('operation' => 'createRefund', 'status' => 503, 'phase' => 'afterCommit'),
    )));
    $refund = step($p . 'createRefund (first answer lost, SDK retry replays it)', 201, function () use ($client, $chargeId) {
        return $client->createRefund(array(
            'chargeId' => $chargeId,
            'refundAmount' => money('20.00'),
            'softDescriptor' => 'Kasse refund',
        ), array('x-amz-pay-idempotency-key' => key32()));
    }, function ($body, $response) {
        want($response['retries'] === 1, 'one retry');
        want($body['statusDetails']['state'] === 'RefundInitiated', 'RefundInitiated');
    });
    if ($refund !== null) {
        admin('POST', '/__admin/clock', array('advanceSeconds' => 31));
        step($p . 'getRefund', 200, function () use ($client, $refund) {
            return $client->getRefund($refund['refundId']);
        }, function ($body) {
            want($body['statusDetails']['state'] === 'Refunded', 'Refunded after 30 s');
        });
        step($p . 'getCharge after the refund', 200, function () use ($client, $chargeId) {
            return $client->getCharge($chargeId);
        }, function ($body) {
            want($body['refundedAmount']['amount'] === money('20.00')['amount'], 'refundedAmount 20.00 (the retry made no second refund)');
        });
    }

    // ── A second checkout: Confirm only, then Create Charge, cancel, charge again, close ──
    $second = step($p . 'createCheckoutSession (PayAndShip, Confirm)', 201, function () use ($client, $storeId) {
        return $client->createCheckoutSession(array(
            'webCheckoutDetails' => array(
                'checkoutReviewReturnUrl' => 'https://shop.example/review',
                'checkoutResultReturnUrl' => 'https://shop.example/result',
            ),
            'storeId' => $storeId,
            'paymentDetails' => array('paymentIntent' => 'Confirm', 'chargeAmount' => money('30.00')),
        ), array('x-amz-pay-idempotency-key' => key32()));
    });
    if ($second === null) return;
    $id2 = $second['checkoutSessionId'];
    admin('POST', "/__admin/checkout-sessions/$id2/approve", new stdClass());
    admin('POST', "/__admin/checkout-sessions/$id2/authenticate", new stdClass());
    $completed2 = step($p . 'completeCheckoutSession (Confirm)', 200, function () use ($client, $id2) {
        return $client->completeCheckoutSession($id2, array('chargeAmount' => money('30.00')), array('x-amz-pay-idempotency-key' => key32()));
    }, function ($body) {
        want(isset($body['chargePermissionId']), 'a charge permission');
    });
    if ($completed2 === null) return;
    $permission2 = $completed2['chargePermissionId'];
    $charge2 = step($p . 'createCharge', 201, function () use ($client, $permission2) {
        return $client->createCharge(array(
            'chargePermissionId' => $permission2,
            'chargeAmount' => money('10.00'),
            'captureNow' => false,
            'canHandlePendingAuthorization' => false,
        ), array('x-amz-pay-idempotency-key' => key32()));
    }, function ($body) {
        want($body['statusDetails']['state'] === 'Authorized', 'Authorized');
    });
    if ($charge2 !== null) {
        step($p . 'cancelCharge', 200, function () use ($client, $charge2) {
            return $client->cancelCharge($charge2['chargeId'], array('cancellationReason' => 'Kasse check'));
        }, function ($body) {
            want($body['statusDetails']['state'] === 'Canceled', 'Canceled');
        });
    }
    step($p . 'createCharge with the simulation code HardDeclined', 422, function () use ($client, $permission2) {
        return $client->createCharge(array(
            'chargePermissionId' => $permission2,
            'chargeAmount' => money('5.00'),
            'captureNow' => true,
        ), array('x-amz-pay-idempotency-key' => key32(), 'x-amz-pay-simulation-code' => 'HardDeclined'));
    }, function ($body) {
        want($body['reasonCode'] === 'HardDeclined', 'reasonCode HardDeclined');
    });
    step($p . 'closeChargePermission', 200, function () use ($client, $permission2) {
        return $client->closeChargePermission($permission2, array('closureReason' => 'Kasse check', 'cancelPendingCharges' => true));
    }, function ($body) {
        want($body['statusDetails']['state'] === 'Closed', 'Closed');
    });
    step($p . 'getCharge of an unknown id (error shape)', 404, function () use ($client, $permission2) {
        return $client->getCharge($permission2 . '-C999-999');
    }, function ($body) {
        want($body['reasonCode'] === 'ResourceNotFound' && isset($body['message']), 'ResourceNotFound with a message');
    });

    // ── Buttons: the SDK's button signature, verified where checkout.js sends it ──
    $payload = json_encode(array(
        'webCheckoutDetails' => array('checkoutReviewReturnUrl' => 'https://shop.example/review'),
        'storeId' => $storeId,
        'scopes' => array('name', 'email'),
    ));
    $signature = $client->generateButtonSignature($payload);
    try {
        $button = admin('POST', '/__admin/button-checkout', array(
            'payloadJSON' => $payload,
            'signature' => $signature,
            'publicKeyId' => $merchant['publicKeyId'],
            'algorithm' => $algorithm,
        ));
        step($p . 'generateButtonSignature (checkout) + getCheckoutSession', 200, function () use ($client, $button) {
            return $client->getCheckoutSession($button['checkoutSessionId']);
        });
    } catch (Throwable $error) {
        $GLOBALS['failed']++;
        echo "FAIL {$p}generateButtonSignature (checkout): " . $error->getMessage() . "\n";
    }
    $signInPayload = json_encode(array(
        'signInReturnUrl' => 'https://shop.example/signin',
        'storeId' => $storeId,
        'signInScopes' => array('name', 'email', 'postalCode'),
    ));
    try {
        $signIn = admin('POST', '/__admin/button-signin', array(
            'payloadJSON' => $signInPayload,
            'signature' => $client->generateButtonSignature($signInPayload),
            'publicKeyId' => $merchant['publicKeyId'],
            'algorithm' => $algorithm,
        ));
        step($p . 'generateButtonSignature (SignIn) + getBuyer', 200, function () use ($client, $signIn) {
            return $client->getBuyer($signIn['buyerToken']);
        }, function ($body) {
            want(isset($body['buyerId'], $body['name'], $body['email'], $body['postalCode']), 'buyerId, name, email, postalCode');
        });
    } catch (Throwable $error) {
        $GLOBALS['failed']++;
        echo "FAIL {$p}generateButtonSignature (SignIn): " . $error->getMessage() . "\n";
    }

    // ── Reports (the payloads of the SDK's README) ──
    step($p . 'createReport (README: no idempotency key)', 201, function () use ($client) {
        return $client->createReport(array(
            'reportType' => '_GET_FLAT_FILE_OFFAMAZONPAYMENTS_AUTHORIZATION_DATA_',
            'startTime' => gmdate('Ymd\THis\Z', time() - 7 * 86400),
            'endTime' => gmdate('Ymd\THis\Z', time() - 86400),
        ));
    });
    // The captures and refunds above settle in a period that has to end first: two emulated days.
    $now = strtotime(admin('POST', '/__admin/clock', array('advanceSeconds' => 2 * 86400))['now']);
    $report = step($p . 'createReport (sandbox settlement, x-amz-pay-Idempotency-Key)', 201, function () use ($client, $now) {
        return $client->createReport(array(
            'reportType' => '_GET_FLAT_FILE_OFFAMAZONPAYMENTS_SANDBOX_SETTLEMENT_DATA_',
            'startTime' => gmdate('Ymd\THis\Z', $now - 7 * 86400),
            'endTime' => gmdate('Ymd\THis\Z', $now),
        ), array('x-amz-pay-Idempotency-Key' => uniqid()));
    }, function ($body) {
        want(isset($body['reportId']), 'reportId');
    });
    step($p . 'getReports (README query)', 200, function () use ($client) {
        return $client->getReports(array(
            'reportTypes' => '_GET_FLAT_FILE_OFFAMAZONPAYMENTS_ORDER_REFERENCE_DATA_',
            'processingStatuses' => 'COMPLETED',
            'pageSize' => '10',
        ));
    }, function ($body) {
        want(isset($body['reports']) && is_array($body['reports']), 'a reports list');
    });
    step($p . 'getReports (comma lists, %2C on the wire)', 200, function () use ($client) {
        return $client->getReports(array(
            'reportTypes' => '_GET_FLAT_FILE_OFFAMAZONPAYMENTS_AUTHORIZATION_DATA_,_GET_FLAT_FILE_OFFAMAZONPAYMENTS_SANDBOX_SETTLEMENT_DATA_',
            'processingStatuses' => 'COMPLETED,CANCELLED',
        ));
    }, function ($body) {
        $types = array_unique(array_map(function ($report) { return $report['reportType']; }, $body['reports']));
        want(count($types) === 2, 'reports of both types (the two just created)');
    });
    step($p . 'getReports (no query)', 200, function () use ($client) {
        return $client->getReports();
    }, function ($body) {
        want(count($body['reports']) >= 2, 'the reports just created');
    });
    if ($report !== null) {
        $byId = step($p . 'getReportById', 200, function () use ($client, $report) {
            return $client->getReportById($report['reportId']);
        }, function ($body) use ($report) {
            want($body['reportId'] === $report['reportId'], 'the same report');
        });
        if ($byId !== null && !empty($byId['reportDocumentId'])) {
            step($p . 'getReportDocument', 200, function () use ($client, $byId) {
                return $client->getReportDocument($byId['reportDocumentId']);
            }, function ($body) {
                want(isset($body['url']), 'a document url');
                $csv = file_get_contents($body['url']);
                want($csv !== false && strpos($csv, $GLOBALS['lastChargeId']) !== false, 'a settlement file that lists the captured charge');
            });
        } else if ($byId !== null) {
            echo "note {$p}getReportById: {$byId['processingStatus']} without reportDocumentId, getReportDocument not run\n";
        }
    }
    $schedule = step($p . 'createReportSchedule (README payload)', 201, function () use ($client) {
        return $client->createReportSchedule(array(
            'reportType' => '_GET_FLAT_FILE_OFFAMAZONPAYMENTS_ORDER_REFERENCE_DATA_',
            'scheduleFrequency' => 'P1D',
            'nextReportCreationTime' => '20221114T074550Z',
            'deleteExistingSchedule' => false,
        ), array('x-amz-pay-Idempotency-Key' => uniqid()));
    }, function ($body) {
        want(isset($body['reportScheduleId']), 'reportScheduleId');
    });
    step($p . 'getReportSchedules', 200, function () use ($client) {
        return $client->getReportSchedules('_GET_FLAT_FILE_OFFAMAZONPAYMENTS_ORDER_REFERENCE_DATA_');
    }, function ($body) {
        want(count($body['reportSchedules']) >= 1, 'the schedule just created');
    });
    step($p . 'getReportSchedules without a type', 200, function () use ($client) {
        return $client->getReportSchedules();
    });
    if ($schedule !== null) {
        step($p . 'getReportScheduleById', 200, function () use ($client, $schedule) {
            return $client->getReportScheduleById($schedule['reportScheduleId']);
        });
        step($p . 'cancelReportSchedule', 200, function () use ($client, $schedule) {
            return $client->cancelReportSchedule($schedule['reportScheduleId']);
        });
    }

    // ── Recurring: create with recurringMetadata, complete, charge, update the metadata ──
    $recurring = step($p . 'createCheckoutSession (Recurring)', 201, function () use ($client, $storeId) {
        return $client->createCheckoutSession(array(
            'webCheckoutDetails' => array(
                'checkoutReviewReturnUrl' => 'https://shop.example/review',
                'checkoutResultReturnUrl' => 'https://shop.example/result',
            ),
            'storeId' => $storeId,
            'chargePermissionType' => 'Recurring',
            'recurringMetadata' => array('frequency' => array('unit' => 'Month', 'value' => '1'), 'amount' => money('9.99')),
            'paymentDetails' => array('paymentIntent' => 'AuthorizeWithCapture', 'chargeAmount' => money('9.99')),
        ), array('x-amz-pay-idempotency-key' => key32()));
    });
    if ($recurring !== null) {
        $id3 = $recurring['checkoutSessionId'];
        admin('POST', "/__admin/checkout-sessions/$id3/approve", new stdClass());
        admin('POST', "/__admin/checkout-sessions/$id3/authenticate", new stdClass());
        $completed3 = step($p . 'completeCheckoutSession (Recurring)', 200, function () use ($client, $id3) {
            return $client->completeCheckoutSession($id3, array('chargeAmount' => money('9.99')));
        });
        if ($completed3 !== null) {
            $permission3 = $completed3['chargePermissionId'];
            step($p . 'createCharge (Recurring, captureNow)', 201, function () use ($client, $permission3) {
                return $client->createCharge(array(
                    'chargePermissionId' => $permission3,
                    'chargeAmount' => money('9.99'),
                    'captureNow' => true,
                    'softDescriptor' => 'Kasse monthly',
                ), array('x-amz-pay-idempotency-key' => key32()));
            }, function ($body) {
                want($body['statusDetails']['state'] === 'Captured', 'Captured');
            });
            step($p . 'updateChargePermission (recurringMetadata)', 200, function () use ($client, $permission3) {
                return $client->updateChargePermission($permission3, array(
                    'recurringMetadata' => array('frequency' => array('unit' => 'Month', 'value' => '1'), 'amount' => money('12.99')),
                ));
            }, function ($body) {
                want($body['recurringMetadata']['amount']['amount'] === money('12.99')['amount'], 'the new amount');
            });
        }
    }

    // ── Finalize (what a single-page checkout does instead of complete) ──
    $spc = step($p . 'createCheckoutSession (for finalize)', 201, function () use ($client, $storeId) {
        return $client->createCheckoutSession(array(
            'webCheckoutDetails' => array('checkoutReviewReturnUrl' => 'https://shop.example/review', 'checkoutResultReturnUrl' => 'https://shop.example/result'),
            'storeId' => $storeId,
            'paymentDetails' => array('paymentIntent' => 'Authorize', 'chargeAmount' => money('15.00')),
        ), array('x-amz-pay-idempotency-key' => key32()));
    });
    if ($spc !== null) {
        $id4 = $spc['checkoutSessionId'];
        admin('POST', "/__admin/checkout-sessions/$id4/approve", new stdClass());
        step($p . 'finalizeCheckoutSession', 200, function () use ($client, $id4) {
            return $client->finalizeCheckoutSession($id4, array(
                'chargeAmount' => money('15.00'),
                'paymentIntent' => 'Authorize',
                'canHandlePendingAuthorization' => false,
            ), array('x-amz-pay-idempotency-key' => key32()));
        }, function ($body) {
            want($body['statusDetails']['state'] === 'Completed', 'Completed');
        });
    }

    // ── Operations of the SDK the emulator does not emulate: what they answer ──
    foreach (array(
        'getDisbursements' => function () use ($client) {
            return $client->getDisbursements(array('startTime' => '20240301T224539Z', 'endTime' => '20240330T230345Z', 'pageSize' => '10'));
        },
        'deliveryTrackers' => function () use ($client) {
            return $client->deliveryTrackers(array('amazonOrderReferenceId' => 'P01-0000000-0000000', 'deliveryDetails' => array(array('trackingNumber' => '01234', 'carrierCode' => 'FEDEX'))));
        },
        'updateCharge (PSPs only)' => function () use ($client) {
            return $client->updateCharge('S01-0000000-0000000-C000000', array('statusDetails' => array('state' => 'Canceled', 'reasonCode' => 'ExpiredUnused')), array('x-amz-pay-idempotency-key' => uniqid()));
        },
        'getAuthorizationToken' => function () use ($client) {
            return $client->getAuthorizationToken('amzn.mws.00000000-0000-0000-0000-000000000000', 'A0000000000000');
        },
        'instoreCharge' => function () use ($client) {
            return $client->instoreCharge(array('chargePermissionId' => 'S01-0000000-0000000', 'chargeAmount' => money('1.00')));
        },
        'getDispute' => function () use ($client) {
            return $client->getDispute('D01-0000000-0000000');
        },
    ) as $label => $call) {
        $response = $call();
        echo "note {$p}$label (not emulated): {$response['status']} {$response['response']}\n";
    }
}

$legacy = admin('POST', '/__admin/merchants', array('region' => $region, 'name' => 'PHP SDK check (legacy key id)'));
$prefixed = admin('POST', '/__admin/merchants', array('region' => $region, 'name' => 'PHP SDK check (SANDBOX- key id)', 'environment' => 'sandbox'));
foreach (array(
    array('legacy key, V1', $legacy, 'AMZN-PAY-RSASSA-PSS'),
    array('legacy key, V2', $legacy, 'AMZN-PAY-RSASSA-PSS-V2'),
    array('SANDBOX- key, V1', $prefixed, 'AMZN-PAY-RSASSA-PSS'),
    array('SANDBOX- key, V2', $prefixed, 'AMZN-PAY-RSASSA-PSS-V2'),
) as $config) {
    run($config[0], $config[1], $config[2]);
}

// A request signed with another merchant's private key: Amazon's refusal, as the SDK returns it.
$wrongKey = new Amazon\Pay\API\Client(array(
    'public_key_id' => $legacy['publicKeyId'],
    'private_key' => $prefixed['privateKeyPem'],
    'region' => $sdkRegion,
    'sandbox' => true,
    'override_service_url' => parse_url($emulatorUrl, PHP_URL_HOST),
));
step('[wrong private key] getCheckoutSession', 403, function () use ($wrongKey) {
    return $wrongKey->getCheckoutSession('00000000-0000-4000-8000-000000000000');
}, function ($body) {
    want($body['reasonCode'] === 'InvalidRequestSignature', 'InvalidRequestSignature');
});

echo "amazon-pay-api-sdk-php " . Amazon\Pay\API\Client::SDK_VERSION . " against $emulatorUrl, region $region ($currency)\n";
echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
