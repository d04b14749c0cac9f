// Back-office behaviour without inline scripts: copy buttons, confirmations of money-moving
// forms, and the .pem file picker's name in the form. Everything also works without JavaScript
// except copying (the value is shown to select by hand) and the confirmation dialog.

for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", async () => {
    const target = document.getElementById(button.dataset.copy);
    if (!target) return;
    try {
      await navigator.clipboard.writeText(target.textContent.trim());
      const label = button.textContent;
      button.textContent = button.dataset.copied || label;
      setTimeout(() => {
        button.textContent = label;
      }, 1500);
    } catch {
      const range = document.createRange();
      range.selectNodeContents(target);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
  });
}

for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    let text = form.dataset.confirm;
    const amount = form.querySelector("input[name=amount]");
    if (amount) text = text.replace("{amount}", `${amount.value} ${form.dataset.currency || ""}`.trim());
    if (!window.confirm(text)) event.preventDefault();
  });
}
