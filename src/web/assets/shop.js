// Demo shop and hosted page: renders the Amazon Pay button and binds Amazon's change actions
// from data attributes (checkout.js is loaded before this module; no inline script anywhere).

const button = document.getElementById("AmazonPayButton");
if (button?.dataset.config && window.amazon) {
  window.amazon.Pay.renderButton("#AmazonPayButton", JSON.parse(button.dataset.config));
}

for (const link of document.querySelectorAll("[data-change-action]")) {
  if (!window.amazon) continue;
  window.amazon.Pay.bindChangeAction(`#${link.id}`, {
    amazonCheckoutSessionId: link.dataset.sessionId,
    changeAction: link.dataset.changeAction,
  });
}
