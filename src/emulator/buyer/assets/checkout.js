/*
 * Kasse's Amazon Pay emulator: a stand-in for Amazon's checkout.js (reference §15).
 * amazon.Pay.renderButton(selector, config) renders a button; a click (or button.initCheckout)
 * posts {payloadJSON, signature, publicKeyId, algorithm} to the emulator, which verifies the
 * signature as Amazon does and answers with the sign-in page to open.
 * For productType "SignIn" the button carries signInConfig {payloadJSON, signature, publicKeyId,
 * algorithm?} instead; a click opens the emulator's sign-in page, which returns the buyer to
 * signInReturnUrl?buyerToken=… (reference §2.5, §4.6).
 * amazon.Pay.bindChangeAction(selector, {amazonCheckoutSessionId, changeAction}) opens the change pages.
 */
(() => {
  const script = document.currentScript;
  const origin = new URL(script?.src ? script.src : window.location.href).origin;
  const PREFIX = "Amazon Pay (emulator):";

  const LEDGER_CURRENCIES = ["USD", "EUR", "GBP", "JPY"];
  const PLACEMENTS = ["Home", "Product", "Cart", "Checkout", "Other"];
  const PRODUCT_TYPES = ["PayAndShip", "PayOnly", "SignIn"];
  const BUTTON_COLORS = ["Gold", "LightGray", "DarkGray"];
  const LANGUAGES = ["en_US", "en_GB", "de_DE", "fr_FR", "it_IT", "es_ES", "ja_JP"];
  const CHANGE_ACTIONS = ["changeAddress", "changePayment"];
  const COLORS = {
    Gold: ["#ffd814", "#fcd200", "#0f1111"],
    LightGray: ["#e7e9ec", "#adb1b8", "#0f1111"],
    DarkGray: ["#232f3e", "#131a22", "#ffffff"],
  };

  function fail(message) {
    console.error(`${PREFIX} ${message}`);
    return new Error(`${PREFIX} ${message}`);
  }

  function isObject(value) {
    return typeof value === "object" && value !== null && !Array.isArray(value);
  }

  function oneOf(config, key, allowed, required) {
    const value = config[key];
    if (value === undefined) {
      if (required) throw fail(`${key} is required (one of ${allowed.join(", ")}).`);
      return;
    }
    if (allowed.indexOf(value) < 0)
      throw fail(`${key} "${value}" is invalid; expected one of ${allowed.join(", ")}.`);
  }

  /** Checks a signed payload config (createCheckoutSessionConfig or signInConfig, named by `name`). */
  function checkSessionConfig(sessionConfig, fallbackKeyId, name) {
    const label = name || "createCheckoutSessionConfig";
    if (!isObject(sessionConfig)) throw fail(`${label} must be an object.`);
    for (const key of ["payloadJSON", "signature"]) {
      if (typeof sessionConfig[key] !== "string" || sessionConfig[key] === "") {
        throw fail(`${label}.${key} is required and must be a string.`);
      }
    }
    const publicKeyId = sessionConfig.publicKeyId || fallbackKeyId;
    if (typeof publicKeyId !== "string" || publicKeyId === "") {
      throw fail(`${label}.publicKeyId (or publicKeyId) is required.`);
    }
    if (sessionConfig.algorithm !== undefined && typeof sessionConfig.algorithm !== "string") {
      throw fail(`${label}.algorithm must be a string.`);
    }
    try {
      JSON.parse(sessionConfig.payloadJSON);
    } catch (_error) {
      throw fail(`${label}.payloadJSON is not valid JSON.`);
    }
    const out = { payloadJSON: sessionConfig.payloadJSON, signature: sessionConfig.signature, publicKeyId };
    if (sessionConfig.algorithm !== undefined) out.algorithm = sessionConfig.algorithm;
    return out;
  }

  function checkConfig(config) {
    if (!isObject(config)) throw fail("renderButton needs a configuration object.");
    if (typeof config.merchantId !== "string" || config.merchantId === "")
      throw fail("merchantId is required.");
    oneOf(config, "ledgerCurrency", LEDGER_CURRENCIES, true);
    oneOf(config, "placement", PLACEMENTS, true);
    oneOf(config, "productType", PRODUCT_TYPES, false);
    oneOf(config, "buttonColor", BUTTON_COLORS, false);
    oneOf(config, "checkoutLanguage", LANGUAGES, false);
    if (config.sandbox !== undefined && typeof config.sandbox !== "boolean")
      throw fail("sandbox must be a boolean.");
    if (config.estimatedOrderAmount !== undefined) {
      const amount = config.estimatedOrderAmount;
      if (!isObject(amount) || amount.amount === undefined || typeof amount.currencyCode !== "string") {
        throw fail("estimatedOrderAmount must be {amount, currencyCode}.");
      }
    }
    if (config.productType === "SignIn") {
      if (config.signInConfig === undefined) throw fail("signInConfig is required for productType SignIn.");
      checkSessionConfig(config.signInConfig, config.publicKeyId, "signInConfig");
      return;
    }
    if (config.createCheckoutSessionConfig !== undefined) {
      checkSessionConfig(config.createCheckoutSessionConfig, config.publicKeyId);
    }
  }

  function showError(container, message) {
    let box = container.querySelector("[data-amazon-pay-error]");
    if (!box) {
      box = document.createElement("div");
      box.setAttribute("data-amazon-pay-error", "");
      box.setAttribute("role", "alert");
      box.style.cssText = "color:#cc0c39;font:13px Arial,sans-serif;margin-top:6px";
      container.appendChild(box);
    }
    box.textContent = message;
  }

  /** Posts the signed payload to the emulator (`path`: checkout or sign-in) and follows its answer. */
  function startCheckout(container, config, sessionConfig, path, name) {
    const button = checkSessionConfig(sessionConfig, config.publicKeyId, name);
    const body = Object.assign({}, button, { merchantId: config.merchantId });
    if (config.sandbox !== undefined) body.sandbox = config.sandbox;
    return fetch(`${origin}${path || "/buyer/button"}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
    })
      .then((response) => response.json().then((answer) => ({ ok: response.ok, answer: answer })))
      .then((result) => {
        if (!result.ok) {
          const text = `${result.answer.reasonCode}: ${result.answer.message}`;
          console.error(`${PREFIX} checkout could not start. ${text}`);
          showError(container, `Amazon Pay is not available: ${text}`);
          return;
        }
        window.location.assign(new URL(result.answer.redirectUrl, origin).toString());
      })
      .catch((error) => {
        console.error(`${PREFIX} checkout could not start.`, error);
        showError(container, "Amazon Pay is not available right now.");
      });
  }

  function renderButton(selector, config) {
    const container = typeof selector === "string" ? document.querySelector(selector) : selector;
    if (!container) throw fail(`no element matches ${selector}.`);
    checkConfig(config);
    const colors = COLORS[config.buttonColor || "Gold"];
    const element = document.createElement("button");
    element.type = "button";
    element.setAttribute("data-amazon-pay-button", "");
    element.setAttribute("aria-label", "Amazon Pay");
    element.style.cssText = `min-width:200px;height:45px;border-radius:4px;cursor:pointer;font:bold 18px Arial,sans-serif;background:${colors[0]};border:1px solid ${colors[1]};color:${colors[2]}`;
    element.innerHTML = 'amazon <span style="font-weight:normal">pay</span>';
    const handlers = [];
    const api = {
      onClick: (handler) => {
        handlers.push(handler);
      },
      initCheckout: (options) => {
        const sessionConfig =
          options && options.createCheckoutSessionConfig !== undefined
            ? options.createCheckoutSessionConfig
            : config.createCheckoutSessionConfig;
        if (sessionConfig === undefined) throw fail("initCheckout needs createCheckoutSessionConfig.");
        return startCheckout(container, config, sessionConfig);
      },
    };
    element.addEventListener("click", (event) => {
      event.preventDefault();
      if (handlers.length > 0) {
        for (const handler of handlers) handler(event);
        return;
      }
      if (config.productType === "SignIn") {
        startCheckout(container, config, config.signInConfig, "/buyer/signin-button", "signInConfig");
        return;
      }
      if (config.createCheckoutSessionConfig === undefined) {
        fail("no createCheckoutSessionConfig: call button.initCheckout from an onClick handler.");
        return;
      }
      api.initCheckout();
    });
    container.textContent = "";
    container.appendChild(element);
    return api;
  }

  function bindChangeAction(selector, options) {
    if (!isObject(options)) throw fail("bindChangeAction needs {amazonCheckoutSessionId, changeAction}.");
    if (typeof options.amazonCheckoutSessionId !== "string" || options.amazonCheckoutSessionId === "") {
      throw fail("bindChangeAction: amazonCheckoutSessionId is required.");
    }
    oneOf(options, "changeAction", CHANGE_ACTIONS, true);
    const elements = typeof selector === "string" ? document.querySelectorAll(selector) : [selector];
    if (elements.length === 0) throw fail(`no element matches ${selector}.`);
    const target = new URL("/buyer/change", origin);
    target.searchParams.set("amazonCheckoutSessionId", options.amazonCheckoutSessionId);
    target.searchParams.set("changeAction", options.changeAction);
    for (const element of elements) {
      element.addEventListener("click", (event) => {
        event.preventDefault();
        window.location.assign(target.toString());
      });
    }
  }

  window.amazon = window.amazon || {};
  window.amazon.Pay = {
    renderButton: renderButton,
    bindChangeAction: bindChangeAction,
    signout: () => {
      console.info(`${PREFIX} signout: the emulator keeps no buyer login.`);
    },
  };
})();
