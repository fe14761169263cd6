// The signed-cookie page's "Tamper" button: changes the plan cookie in the browser, as a
// visitor could in the developer tools, keeping the old signature, then reloads.
const button = document.querySelector('[data-tamper]');
if (button) {
  const name = button.dataset.tamper;
  button.hidden = false;
  button.addEventListener('click', () => {
    const match = document.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`));
    if (!match) return;
    // biome-ignore lint/suspicious/noDocumentCookie: editing the raw cookie by hand is the point.
    document.cookie = `${name}=${match[1].replace(/^[^:]*/, 'pro')}; path=/; SameSite=Lax`;
    location.reload();
  });
}
