// The "Copy" button beside a new API key: copies the key's text (the page shows it only once).
document.querySelectorAll("[data-copy]").forEach((button) => {
  button.addEventListener("click", async () => {
    const field = document.querySelector(button.dataset.copy);
    if (!field) return;
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
    } catch {
      document.execCommand("copy"); // older browsers, or without clipboard permission
    }
    button.textContent = button.dataset.copied;
  });
});
