// The signed-cookie page's "Tamper" button: changes the plan cookie in the browser, as a
// visitor could in the developer tools, keeping the old signature, then reloads.
const button = document.querySelector('[data-tamper]');

// Chromium hands a document.cookie write to its network process asynchronously, so a reload
// issued right after it can still carry the old cookie. The Cookie Store API says when the
// write has landed; browsers without it get the plain write and a moment's grace.
function writeCookie(name, value) {
  if (window.cookieStore) {
    return window.cookieStore.set({ name, value, path: '/', sameSite: 'lax' });
  }
  // biome-ignore lint/suspicious/noDocumentCookie: editing the raw cookie by hand is the point.
  document.cookie = `${name}=${value}; path=/; SameSite=Lax`;
  return new Promise((resolve) => setTimeout(resolve, 50));
}

if (button) {
  const name = button.dataset.tamper;
  button.hidden = false;
  button.addEventListener('click', async () => {
    const match = document.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`));
    if (!match) return;
    await writeCookie(name, match[1].replace(/^[^:]*/, 'pro'));
    location.reload();
  });
}
