// The hosted payment page (src/paygate/pages/hosted-page.ts): renders the Amazon Pay button from
// the configuration in its data attribute. checkout.js (Amazon's, or the emulator's stand-in) is
// loaded before this module; the page has no inline script.

const button = document.getElementById("AmazonPayButton");
if (button?.dataset.config && window.amazon) {
  window.amazon.Pay.renderButton("#AmazonPayButton", JSON.parse(button.dataset.config));
} else if (button) {
  const note = document.getElementById("button-missing");
  if (note) note.hidden = false;
}
